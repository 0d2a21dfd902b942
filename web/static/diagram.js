/* Shows a case's BPMN diagram with bpmn-js (NavigatedViewer): steps done and under way marked. */
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  if (!box || !window.BpmnJS) { return; }
  fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("diagram " + response.status); }
      return response.json();
    })
    .then(function (state) {
      var viewer = new window.BpmnJS({ container: box });
      return viewer.importXML(state.xml).then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        state.done.forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "step-done"); }
        });
        state.current.forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "step-current"); }
        });
        canvas.zoom("fit-viewport");
        // On a narrow screen a whole process is too small to read: show the step under way instead.
        var first = state.current.length ? registry.get(state.current[0]) : null;
        if (first && box.clientWidth < 700 && canvas.zoom() < 0.6) {
          canvas.zoom(0.8);
          canvas.scrollToElement(first);
        }
        box.setAttribute("data-rendered", "true");
        box.setAttribute("data-done", state.done.length);
        box.setAttribute("data-current", state.current.join(" "));
      });
    })
    .catch(function () {
      box.setAttribute("data-rendered", "error");
      box.classList.add("diagram-failed");
    });
})();
