// Full-text search over the Pagefind index: loads only the index chunks a query needs.
// Everything is fetched from this site; result text is copied as text (only <mark> is kept).
const form = document.querySelector("form.search-page-form");
const input = document.getElementById("search-query");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
let pagefind = null;
let latest = 0; // only the newest query may render: earlier ones can finish later

function excerptNodes(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const out = [];
  for (const node of parsed.body.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      out.push(document.createTextNode(node.textContent));
    } else if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.push(mark);
    } else {
      out.push(document.createTextNode(node.textContent || ""));
    }
  }
  return out;
}

async function load() {
  if (!pagefind) {
    pagefind = await import(new URL("pagefind.js", new URL(form.dataset.bundle, location.href)).href);
    await pagefind.options({ baseUrl: new URL(form.dataset.root, location.href).pathname });
  }
  return pagefind;
}

async function run(query) {
  const token = ++latest;
  if (!query.trim()) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  try {
    const engine = await load();
    const search = await engine.search(query);
    if (token !== latest) return;
    const results = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    if (token !== latest) return;
    list.replaceChildren();
    for (const result of results) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = result.url;
      link.textContent = (result.meta && result.meta.title) || result.url;
      const excerpt = document.createElement("p");
      excerpt.replaceChildren(...excerptNodes(result.excerpt));
      item.append(link, excerpt);
      list.append(item);
    }
    const total = search.results.length;
    status.textContent = total === 0 ? "No results." : `${total} result${total === 1 ? "" : "s"}${total > 20 ? ", showing the first 20" : ""}.`;
  } catch (error) {
    if (token !== latest) return;
    status.textContent = "Search is unavailable; browse the people and skills directories below.";
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  const query = input.value;
  history.replaceState(null, "", `?q=${encodeURIComponent(query)}`);
  run(query);
});
let typing = null;
input.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => run(input.value), 250);
});
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
