// What Mobilizon does to text on write (PITFALLS.md 13-14): descriptions are sanitised
// (unsafe tags and attributes stripped) and #hashtags become links and tags; titles are
// trimmed; tags are de-duplicated case-insensitively, long ones dropped, slugs ASCII-folded.
"use strict";

const ALLOWED_TAGS = new Set([
  "p", "br", "a", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "h1", "h2", "h3", "h4",
  "h5", "h6", "blockquote", "code", "pre", "hr", "span",
]);

function slugify(title) {
  return String(title)
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

// Removes <script>/<style> with their content, unknown tags (keeping their text) and every
// attribute except a safe href on <a>.
function sanitise(html) {
  let s = String(html);
  s = s.replace(/<(script|style|iframe|object)\b[\s\S]*?<\/\1\s*>/gi, "");
  s = s.replace(/<\/?([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>/g, (whole, name, attrs) => {
    const tag = name.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) return "";
    const closing = whole.startsWith("</");
    if (closing) return `</${tag}>`;
    if (tag === "a") {
      const m = /href\s*=\s*("([^"]*)"|'([^']*)')/i.exec(attrs);
      const href = m ? (m[2] !== undefined ? m[2] : m[3]) : null;
      if (href && /^(https?:|mailto:)/i.test(href)) return `<a href="${href}">`;
      return "<a>";
    }
    return tag === "br" || tag === "hr" ? `<${tag}/>` : `<${tag}>`;
  });
  return s;
}

// Hashtags in text (not inside tags or existing links) become links; returns [html, tags].
function linkifyHashtags(html, instanceUrl) {
  const found = [];
  const parts = String(html).split(/(<[^>]*>)/);
  let inLink = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.startsWith("<")) {
      if (/^<a\b/i.test(part)) inLink = true;
      if (/^<\/a>/i.test(part)) inLink = false;
      continue;
    }
    if (inLink) continue;
    parts[i] = part.replace(/(^|[\s(])#([\p{L}\p{N}_]{1,40})/gu, (m, pre, tag) => {
      found.push(tag);
      return `${pre}<a href="${instanceUrl}/tag/${slugify(tag)}">#${tag}</a>`;
    });
  }
  return [parts.join(""), found];
}

// De-duplicated (case-insensitively), trimmed, at most 40 characters, in input order.
function normaliseTags(titles) {
  const out = [];
  const seen = new Set();
  for (const raw of titles || []) {
    if (raw === null || raw === undefined) continue;
    const title = String(raw).trim();
    if (!title || title.length > 40) continue;
    const key = title.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ slug: slugify(title), title });
  }
  return out;
}

// Description + tags as the server stores them after a write.
function processContent(description, tags, instanceUrl) {
  const [html, hashtags] = linkifyHashtags(sanitise(description), instanceUrl);
  return { description: html, tags: normaliseTags((tags || []).concat(hashtags)) };
}

module.exports = { slugify, sanitise, normaliseTags, processContent };
