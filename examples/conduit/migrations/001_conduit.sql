-- Conduit's tables beside trellis's own `users` (id, email, password_hash, …).
create table profiles (
  user_id uuid primary key references users (id) on delete cascade,
  username text not null unique,
  bio text,
  image text
);

create table follows (
  follower_id uuid not null references users (id) on delete cascade,
  followed_id uuid not null references users (id) on delete cascade,
  primary key (follower_id, followed_id)
);

create table articles (
  id serial primary key,
  slug text not null unique,
  title text not null,
  description text not null,
  body text not null,
  tags text[] not null default '{}',
  author_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index articles_author on articles (author_id, created_at);
create index articles_tags on articles using gin (tags);

create table favorites (
  user_id uuid not null references users (id) on delete cascade,
  article_id int not null references articles (id) on delete cascade,
  primary key (user_id, article_id)
);

create table comments (
  id serial primary key,
  article_id int not null references articles (id) on delete cascade,
  author_id uuid not null references users (id) on delete cascade,
  body text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index comments_article on comments (article_id);

-- The JSON the API answers with. `viewer` is the caller's user id, or NULL for
-- an anonymous caller (then `following` and `favorited` are false).
-- Timestamps are ISO 8601 in UTC with milliseconds: 2026-03-01T12:00:00.000Z.
create function iso8601(t timestamptz) returns text immutable language sql
  as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

create function profile_json(uid uuid, viewer uuid) returns json stable language sql as $$
  select json_build_object('username', username, 'bio', bio, 'image', image,
    'following', exists (select 1 from follows where follower_id = viewer and followed_id = uid))
  from profiles where user_id = uid
$$;

create function article_json(a articles, viewer uuid) returns json stable language sql as $$
  select json_build_object('slug', a.slug, 'title', a.title, 'description', a.description, 'body', a.body,
    'tagList', a.tags, 'createdAt', iso8601(a.created_at), 'updatedAt', iso8601(a.updated_at),
    'favorited', exists (select 1 from favorites where article_id = a.id and user_id = viewer),
    'favoritesCount', (select count(*) from favorites where article_id = a.id),
    'author', profile_json(a.author_id, viewer))
$$;

create function comment_json(c comments, viewer uuid) returns json stable language sql as $$
  select json_build_object('id', c.id, 'body', c.body, 'createdAt', iso8601(c.created_at), 'updatedAt', iso8601(c.updated_at),
    'author', profile_json(c.author_id, viewer))
$$;
