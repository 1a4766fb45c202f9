# The seed article's curl command, verbatim (tests/e2e/serve_seed.sh swaps the base URL).
curl -G "https://api.ops.tools/v1-port-scanner" \
  -H "x-api-key: $OPS_TOOLS_API_KEY" \
  --data-urlencode "target=app.example.com" \
  --data-urlencode "ports=80,443,8443" \
  --data-urlencode "timeout=5000"
