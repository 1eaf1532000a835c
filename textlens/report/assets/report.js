/* textlens report: draws the charts and shows the passages behind any value.
   Corpus text is only ever inserted with textContent (never innerHTML), and no link is built from it. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var evidence = data.evidence || [];
  var words = data.words || { chart_error: "This chart could not be drawn: " };
  var panel = document.getElementById("evidence-panel");
  var list = document.getElementById("evidence-list");
  var heading = document.getElementById("evidence-title");
  window.textlensReport = { rendered: 0, failed: [] };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showEvidence(id) {
    var ev = evidence[id];
    if (!ev) return;
    heading.textContent = ev.title;
    while (list.firstChild) list.removeChild(list.firstChild);
    ev.passages.forEach(function (p) {
      var item = el("li", "passage");
      var meta = el("div", "passage-meta");
      meta.appendChild(el("span", "doc-id", p.doc_id));
      if (p.date) meta.appendChild(el("span", "doc-date", p.date));
      if (p.kind) meta.appendChild(el("span", "doc-kind", (words.kind && words.kind[p.kind]) || p.kind));
      item.appendChild(meta);
      if (p.title) item.appendChild(el("div", "passage-title", p.title));
      item.appendChild(el("blockquote", "passage-text", p.passage));
      if (p.source) item.appendChild(el("div", "passage-source", p.source));
      list.appendChild(item);
    });
    panel.hidden = false;
    panel.setAttribute("aria-hidden", "false");
    panel.focus();
  }

  function hideEvidence() {
    panel.hidden = true;
    panel.setAttribute("aria-hidden", "true");
  }

  document.getElementById("evidence-close").addEventListener("click", hideEvidence);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hideEvidence(); });
  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("[data-evidence]") : null;
    if (t) { e.preventDefault(); showEvidence(parseInt(t.getAttribute("data-evidence"), 10)); }
  });

  var config = { displaylogo: false, displayModeBar: false, responsive: true, typesetMath: false };
  if (data.locale) {  // the report's language: 12,5 and 40 % on French axes
    config.locale = data.locale.name;
    config.locales = {};
    config.locales[data.locale.name] = { format: data.locale.format };
  }
  (data.charts || []).forEach(function (chart) {
    var node = document.getElementById(chart.id);
    if (!node) return;
    try {
      Plotly.newPlot(node, chart.data, chart.layout, config).then(function () {
        window.textlensReport.rendered += 1;
      });
      node.on("plotly_click", function (ev) {
        if (!ev || !ev.points || !ev.points.length) return;
        var id = ev.points[0].customdata;
        if (id !== undefined && id !== null && id !== "") showEvidence(id);
      });
    } catch (err) {
      window.textlensReport.failed.push(chart.id + ": " + err);
      node.appendChild(el("p", "chart-error", words.chart_error + err));
    }
  });
  window.textlensReport.showEvidence = showEvidence;
})();
