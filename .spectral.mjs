// OpenAPI lint: Spectral's OpenAPI rules plus the OWASP API Security rules,
// loaded from installed packages (no network at lint time).
import { oas } from '@stoplight/spectral-rulesets';
import owasp from '@stoplight/spectral-owasp-ruleset';

export default {
  extends: [oas, owasp],
  rules: {},
};
