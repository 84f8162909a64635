// Keeps the Platform page current: every 2 s, the console's JSON view replaces the table's
// rows. Text only (textContent), never markup. Without script the page refreshes itself.
(function () {
  "use strict";
  var body = document.getElementById("instances");
  var stamp = document.getElementById("updated");
  if (!body) { return; }
  function cell(row, text, label, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    td.setAttribute("data-label", label);
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }
  function render(view) {
    var rows = document.createDocumentFragment();
    view.services.forEach(function (service) {
      var instances = service.instances.length ? service.instances : [null];
      instances.forEach(function (i, n) {
        var row = document.createElement("tr");
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = n === 0 ? service.name : "";
        row.appendChild(th);
        cell(row, n === 0 ? service.status : "", "Service", "status-" + service.status);
        if (!i) {
          cell(row, "no instances", "Instance", "muted");
          for (var k = 0; k < 7; k++) { cell(row, "—", "", ""); }
        } else {
          cell(row, i.id + " " + i.address, "Instance", "");
          cell(row, i.health, "Health", "status-" + i.health.replace(" ", "-"));
          cell(row, i.display.rate, "Requests", "num");
          cell(row, i.display.p50, "p50", "num");
          cell(row, i.display.p99, "p99", "num");
          cell(row, i.display.errors, "Errors", "num");
          cell(row, i.display.breakers, "Breakers", "");
          cell(row, i.display.lag, "Lag", "num");
        }
        rows.appendChild(row);
      });
    });
    body.replaceChildren(rows);
    if (stamp) { stamp.textContent = new Date().toLocaleTimeString(); }
  }
  function poll() {
    fetch("/admin/platform.json", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(render)
      .catch(function () { if (stamp) { stamp.textContent = "paused (console unreachable)"; } })
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
