#!/usr/bin/env bash
# A purchase through the API with curl (and jq), against `npm start`.
set -euo pipefail
API=${API:-http://localhost:3000/api/v1}
EMULATOR=${EMULATOR:-http://127.0.0.1:12111}

echo '$ curl -s "$API/products?q=mug&limit=1" | jq ".items[0] | {slug, variant: .variants[1]}"'
VARIANT=$(curl -s "$API/products?q=mug&limit=1" | tee /tmp/p.json | jq -r '.items[0].variants[1].id')
jq '.items[0] | {slug, variant: .variants[1]}' /tmp/p.json

echo
echo '$ curl -s -X POST $API/auth/register -H "Content-Type: application/json" -d '"'"'{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}'"'"' | jq "{user, expiresIn}"'
curl -s -X POST "$API/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}' | tee /tmp/r.json | jq '{user, expiresIn}'
TOKEN=$(jq -r .accessToken /tmp/r.json)

echo
echo '$ curl -s -X POST $API/cart/items -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "{\"variantId\":\"$VARIANT\",\"quantity\":2}" | jq "{lines: [.lines[] | {sku, quantity, unitPrice, lineTotal}], subtotal}"'
curl -s -X POST "$API/cart/items" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"variantId\":\"$VARIANT\",\"quantity\":2}" | jq '{lines: [.lines[] | {sku, quantity, unitPrice, lineTotal}], subtotal}'

echo
echo '$ curl -s -X POST $API/checkout -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: order-1" -H "Content-Type: application/json" -d '"'"'{"shippingAddress":{"name":"Ada Lovelace","line1":"12 St James Sq","city":"London","postalCode":"SW1Y 4JH","country":"GB"}}'"'"' | jq "{order: {id: .order.id, status: .order.status, total: .order.total}, payment}"'
curl -s -X POST "$API/checkout" -H "Authorization: Bearer $TOKEN" -H 'Idempotency-Key: order-1' -H 'Content-Type: application/json' \
  -d '{"shippingAddress":{"name":"Ada Lovelace","line1":"12 St James Sq","city":"London","postalCode":"SW1Y 4JH","country":"GB"}}' \
  | tee /tmp/c.json | jq '{order: {id: .order.id, status: .order.status, total: .order.total}, payment}'
ORDER=$(jq -r .order.id /tmp/c.json)
PI=$(jq -r .payment.paymentIntentId /tmp/c.json)

echo
echo '# the customer pays: the emulator confirms the PaymentIntent and sends a signed webhook'
echo '$ curl -s -u sk_test_minishop_local_emulator: -X POST $EMULATOR/_emulator/payment_intents/$PI/simulate -H "Content-Type: application/json" -d '"'"'{"outcome":"succeeded"}'"'"' | jq .event'
curl -s -u sk_test_minishop_local_emulator: -X POST "$EMULATOR/_emulator/payment_intents/$PI/simulate" -H 'Content-Type: application/json' -d '{"outcome":"succeeded"}' | jq .event
sleep 1

echo
echo '$ curl -s $API/orders/$ORDER -H "Authorization: Bearer $TOKEN" | jq "{status, total, history}"'
curl -s "$API/orders/$ORDER" -H "Authorization: Bearer $TOKEN" | jq '{status, total, history}'
