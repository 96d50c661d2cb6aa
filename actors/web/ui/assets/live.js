// pasarela web UI: the dashboard's live figures over server-sent events.
// The page works without it; with it, each [data-live] element takes the
// value of its key from every event.
(function () {
  if (!window.EventSource) return;
  var source = new EventSource("/ui/events");
  source.onmessage = function (event) {
    var figures;
    try { figures = JSON.parse(event.data); } catch (e) { return; }
    document.querySelectorAll("[data-live]").forEach(function (element) {
      var key = element.getAttribute("data-live");
      if (key in figures) element.textContent = figures[key];
    });
  };
})();
