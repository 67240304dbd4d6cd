// The card form of /vouchers/:id/pay. Stripe.js (loaded just before this file) mounts
// the card field in its own frame and confirms the PaymentIntent in the browser; the
// voucher is completed only by Stripe's signed webhook to the server, never by this page.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  var error = document.getElementById("card-error");
  if (!form) return;
  if (typeof window.Stripe !== "function") {
    error.textContent = "The card form could not load. Check your connection and reload the page.";
    return;
  }
  var stripe = window.Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = form.querySelector("button[type=submit]");
  var label = button.textContent;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    button.textContent = "Paying…";
    error.textContent = "";
    stripe.confirmCardPayment(form.dataset.secret, { payment_method: { card: card } }).then(function (result) {
      if (result.error) {
        error.textContent = result.error.message || "The payment did not go through; nothing was charged.";
        button.disabled = false;
        button.textContent = label;
        return;
      }
      window.location.assign(form.dataset.done);
    });
  });
})();
