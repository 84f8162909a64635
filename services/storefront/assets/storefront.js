// Progressive enhancement only: every form works without this file.
// Forms marked data-autosubmit submit when one of their fields changes (filters, delivery).
document.addEventListener("change", function (event) {
  var form = event.target.form;
  if (form && form.hasAttribute("data-autosubmit")) {
    form.submit();
  }
});
// A form marked data-once disables its submit buttons after the first submit, so a double
// click sends one request (the server's Idempotency-Key makes a second one harmless anyway).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.hasAttribute("data-once")) {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  }
});
// Coming back with the browser's back button shows the page from its cache: allow sending again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    delete form.dataset.sent;
  });
});
