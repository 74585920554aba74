// Shares where the code was scanned, when the consumer taps the button. Its
// texts and address come from the button's data attributes, so this file is
// the same on every page and its hash can stand in the page's CSP.
(function () {
  var button = document.getElementById('loc');
  var message = document.getElementById('locmsg');
  if (!button) return;
  var say = function (text) { message.textContent = text; };
  button.onclick = function () {
    var unavailable = button.dataset.unavailable;
    if (!navigator.geolocation) { say(unavailable); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      fetch(button.dataset.href, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latitude: p.coords.latitude, longitude: p.coords.longitude })
      }).then(function (r) { say(r.ok ? button.dataset.thanks : unavailable); },
              function () { say(unavailable); });
    }, function () { say(unavailable); }, { maximumAge: 600000, timeout: 10000 });
  };
})();
