/** The whole stylesheet: small, no framework, light and dark by the reader's setting. */
export const stylesheet = `
:root {
  color-scheme: light dark;
  --bg: #fafafa; --fg: #1c1d1f; --muted: #5f6368; --card: #ffffff; --line: #e2e4e8;
  --accent: #2b59c3; --accent-fg: #ffffff; --danger: #b3261e; --notice: #e6f4ea;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #121316; --fg: #e6e7ea; --muted: #a0a4ab; --card: #1c1e22; --line: #2e3137;
    --accent: #8ab4f8; --accent-fg: #10131a; --danger: #f28b82; --notice: #1e3a29;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
header.site {
  display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between;
  padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card);
}
header.site .brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; color: var(--fg); }
header.site nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.card, .composer { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin-bottom: 1rem; }
.field { margin-bottom: .9rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=text], input[type=password], input[type=search], textarea {
  width: 100%; padding: .5rem .6rem; font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: .35rem;
}
textarea { resize: vertical; }
.has-error input, .has-error textarea { border-color: var(--danger); }
.error { color: var(--danger); margin: .25rem 0 0; }
.hint, .muted { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.notice { background: var(--notice); padding: .5rem .75rem; border-radius: .35rem; }
button, .button {
  display: inline-block; font: inherit; padding: .4rem .9rem; border-radius: .35rem; cursor: pointer;
  border: 1px solid var(--line); background: var(--card); color: var(--fg); text-decoration: none;
}
button.primary, .button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
button.danger { color: var(--danger); }
button.link { border: 0; background: none; padding: 0; color: var(--accent); text-decoration: underline; }
form.inline { display: inline; margin: 0; }
.search { display: flex; gap: .5rem; align-items: flex-end; flex-wrap: wrap; }
.search .field { flex: 1 1 12rem; margin: 0; }
ol.posts, ul.accounts { list-style: none; padding: 0; margin: 0; }
li.post { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin-bottom: .6rem; }
li.post .meta { color: var(--muted); font-size: .9rem; }
li.post .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .35rem 0; }
ul.accounts li { padding: .5rem 0; border-bottom: 1px solid var(--line); }
.more { margin: 1rem 0; }
.empty { color: var(--muted); }
`;
