// Typesets TeX as SVG for book/_ext/static_math.py, with the MathJax 3 that sphinx-mathjax-offline
// installs (its es5 components include node-main.js). Runs under Node: `node static_math.js`.
//
// Protocol, one JSON object per line on stdin and stdout:
//   first line in:  {"mathjax": "<folder of MathJax's es5 components>", "tex": {...MathJax tex options...}}
//   first line out: {"ready": true, "css": "<the SVG output's stylesheet>"}
//   then, per line:  {"tex": "...", "display": true|false, "cache": "page"|"own"}
//                 -> {"html": "<mjx-container ...>", "errors": ["..."]}
//                    {"defs": true} -> {"html": "<svg id=MJX-SVG-global-cache ...>"}: the glyphs the
//                    "page" formulas since the last {"defs"} refer to; the next "page" formula starts afresh.
// "page" formulas share one set of glyph paths (sent once, by {"defs"}), "own" ones carry their own.
"use strict";

const readline = require("readline");

const lines = readline.createInterface({input: process.stdin, terminal: false});
const send = (object) => process.stdout.write(JSON.stringify(object) + "\n");
let MathJax = null;
let queue = Promise.resolve();

async function start(settings) {
  const dir = settings.mathjax;
  MathJax = await require(dir + "/node-main.js").init({
    loader: {load: ["input/tex", "output/svg", "a11y/assistive-mml"], paths: {mathjax: dir}},
    // Without noundefined an unknown macro is an error (reported, failing a -W build), not red text.
    tex: Object.assign({packages: {"[-]": ["noundefined"]}}, settings.tex || {}),
    svg: {fontCache: "global"},
    startup: {typeset: false},
  });
  const css = MathJax.startup.adaptor.textContent(MathJax.svgStylesheet());
  send({ready: true, css});
}

let pageStarted = false;

async function render(request) {
  const output = MathJax.startup.output;
  const adaptor = MathJax.startup.adaptor;
  const cache = output.fontCache;
  let node;
  if (request.cache === "page") {
    if (!pageStarted) {
      cache.clearCache();
      pageStarted = true;
    }
    node = await MathJax.tex2svgPromise(request.tex, {display: request.display});
  } else {
    // Its own glyphs, inside its svg; the page's shared glyphs are kept aside meanwhile
    // (the local cache replaces them).
    const shared = [cache.cache, cache.defs];
    output.options.fontCache = "local";
    try {
      node = await MathJax.tex2svgPromise(request.tex, {display: request.display});
    } finally {
      output.options.fontCache = "global";
      [cache.cache, cache.defs] = shared;
    }
  }
  const html = adaptor.outerHTML(node);
  const errors = [...new Set([...html.matchAll(/data-mjx-error="([^"]*)"/g)].map((m) => m[1]))];
  return {html, errors};
}

function defs() {
  const output = MathJax.startup.output;
  const adaptor = MathJax.startup.adaptor;
  const html = pageStarted
    ? '<svg id="MJX-SVG-global-cache" style="display: none" aria-hidden="true" focusable="false">'
      + adaptor.outerHTML(output.fontCache.getCache()) + "</svg>"
    : "";
  output.fontCache.clearCache();
  pageStarted = false;
  return {html};
}

lines.on("line", (line) => {
  queue = queue.then(async () => {
    const request = JSON.parse(line);
    try {
      if (!MathJax) return await start(request);
      if (request.defs) return send(defs());
      return send(await render(request));
    } catch (error) {
      send({error: String(error && error.stack || error)});
    }
  });
});
