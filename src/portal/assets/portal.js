// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // "Select all" for a list of checkboxes named by data-select-all.
  document.querySelectorAll('input[data-select-all]').forEach(function (all) {
    var form = all.form || document;
    var boxes = function () { return form.querySelectorAll('input[type=checkbox][name="' + all.getAttribute('data-select-all') + '"]'); };
    all.addEventListener('change', function () { boxes().forEach(function (b) { b.checked = all.checked; }); });
    form.addEventListener('change', function (e) {
      if (e.target === all) return;
      var list = Array.prototype.slice.call(boxes());
      all.checked = list.length > 0 && list.every(function (b) { return b.checked; });
      all.indeterminate = !all.checked && list.some(function (b) { return b.checked; });
    });
  });
  // A confirmation before irreversible writes (reject, dispute, finalize).
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
  // Copy buttons for links and fingerprints.
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var el = document.getElementById(b.getAttribute('data-copy'));
      if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim());
    });
  });
})();
