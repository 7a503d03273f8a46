SELECT DISTINCT ON (author_id) author_id, id, views FROM posts ORDER BY author_id, views DESC;
SELECT id FROM users WHERE email ILIKE '%@EXAMPLE.COM';
SELECT id FROM posts WHERE 'a' = ANY(tags);
SELECT id, tags[1] FROM posts WHERE tags @> ARRAY['a', 'b'];
SELECT id, array_length(tags, 1) FROM posts;
SELECT meta -> 'author' ->> 'name' FROM posts;
SELECT u.name, l.title FROM users u JOIN LATERAL (SELECT p.title FROM posts p WHERE p.author_id = u.id ORDER BY p.views DESC LIMIT 1) l ON true;
SELECT id FROM posts WHERE title ~ '^Post';
SELECT id, views::text FROM posts WHERE id = $1;
