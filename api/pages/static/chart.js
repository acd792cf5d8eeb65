// Charts drawn by the server work without scripts; where scripts run, vega-embed
// (served from this origin) redraws each one from its Vega-Lite specification, with
// tooltips. Any failure keeps the server's drawing: nothing is logged, nothing breaks.
(function () {
  "use strict";
  function enhance(figure) {
    var url = figure.getAttribute("data-spec");
    var target = figure.querySelector(".chart-svg");
    if (!url || !target || typeof window.vegaEmbed !== "function") {
      return;
    }
    fetch(url, { headers: { Accept: "application/vnd.vegalite+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (spec) {
        if (!spec) { return null; }
        var holder = document.createElement("div");
        holder.className = "chart-live";
        holder.setAttribute("role", "img");
        // the chart in words: the server drawing's alt text (or aria-label) carries over
        holder.setAttribute("aria-label", target.getAttribute("alt") ||
          target.getAttribute("aria-label") || spec.description || "");
        return window.vegaEmbed(holder, spec, { renderer: "svg", actions: false })
          .then(function () { target.replaceWith(holder); });
      })
      .catch(function () { /* keep the server-drawn chart */ });
  }
  document.querySelectorAll("figure[data-spec]").forEach(enhance);
  // Embed snippets written with relative addresses (no DTI_PUBLIC_URL): complete them
  // with this page's own origin, so they work when pasted into another site.
  document.querySelectorAll("code.snippet[data-relative]").forEach(function (code) {
    code.textContent = code.textContent.replace(/(src=")\//g, "$1" + location.origin + "/");
  });
}());
