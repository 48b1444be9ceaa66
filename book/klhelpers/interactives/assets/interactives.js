// interactives.js: finds every interactive twin on the page and mounts it.
//
// A twin is <div data-explorer="<kind>" id="kl-<kind>-<n>"> holding its static markup
// and its state as <script type="application/json" class="kl-config">. The script of
// each kind (explorer.js, fits.js, ...) calls KLInteractives.register(kind, mount);
// mount(root, config) brings one twin to life. Every script of the book is loaded
// deferred, after klmath.js and this file, so the page is parsed when they run.
// A twin that has been mounted carries data-state="ready".
(function () {
  "use strict";
  var mounts = {};

  function mountAll() {
    var roots = document.querySelectorAll("[data-explorer]");
    for (var i = 0; i < roots.length; i++) {
      var root = roots[i], mount = mounts[root.getAttribute("data-explorer")];
      if (!mount || root.hasAttribute("data-state")) continue;
      try {
        mount(root, JSON.parse(root.querySelector("script.kl-config").textContent));
        root.setAttribute("data-state", "ready");
      } catch (error) {  // one broken twin must not stop the others
        root.setAttribute("data-state", "failed");
        console.error("interactive " + root.id + " failed to start:", error);
      }
    }
  }

  window.KLInteractives = {
    register: function (kind, mount) {
      mounts[kind] = mount;
      if (document.readyState !== "loading") mountAll();
    },
    mountAll: mountAll
  };
  document.addEventListener("DOMContentLoaded", mountAll);
})();
