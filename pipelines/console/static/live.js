// The live list: new alerts arrive as Server-Sent Events and are put at the top, built with textContent
// only (never HTML), so a headline is always shown as text.
(function () {
  "use strict";
  var table = document.querySelector("table.alerts");
  var list = document.getElementById("alerts");
  var status = document.getElementById("status");
  var empty = document.getElementById("empty");
  var MAX_ROWS = 500;

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function show(a) {
    var old = list.querySelector('tr[data-id="' + CSS.escape(a.id) + '"]');
    if (old) old.remove();
    var row = document.createElement("tr");
    row.className = "alert fresh sev-" + a.severity;
    row.dataset.id = a.id;
    cell(row, a.alerted || a.published, "when");
    var sev = document.createElement("span");
    sev.className = "sev";
    sev.textContent = a.severity;
    cell(row, "").appendChild(sev);
    cell(row, a.rule, "rule");
    var link = document.createElement("a");
    link.href = a.story;
    link.textContent = a.title;
    cell(row, "", "headline").appendChild(link);
    cell(row, a.countries.join(", "), "countries");
    cell(row, a.outlets === null ? "\u2013" : String(a.outlets), "outlets");
    list.insertBefore(row, list.firstChild);
    while (list.rows.length > MAX_ROWS) list.deleteRow(-1);
    empty.hidden = true;
  }

  var query = table.dataset.filter;
  var source = new EventSource("/events?after=" + encodeURIComponent(table.dataset.after) + (query ? "&" + query : ""));
  source.addEventListener("open", function () { status.textContent = "live"; status.className = "status on"; });
  source.addEventListener("error", function () { status.textContent = "reconnecting…"; status.className = "status"; });
  source.addEventListener("alert", function (e) { show(JSON.parse(e.data)); });
  source.addEventListener("reload", function () { window.location.reload(); });
})();
