/**
 * The rules CEE ships, as gitleaks TOML (the same format users write in `.gitleaks.toml`).
 *
 * Most patterns follow gitleaks' own default config (MIT licence, github.com/gitleaks/gitleaks,
 * config/gitleaks.toml), adjusted for CEE:
 * - every keyword is at least 4 characters long (the prefilter samples one byte pair in 3: see
 *   keywords.ts), so `a3t` (the obsolete AWS `A3T…` prefix) and gitleaks' JWT keyword `ey` are not
 *   used; the JWT rule uses `.eyj`, which every JWT holds (header `.` payload `eyJ…`);
 * - the private-key rule captures the key body as the secret (entropy-checked, so a body of `xxxx`
 *   or `...` is a placeholder, not a key) and cannot run past a `-----` marker into the next block;
 * - an AWS secret access key rule and a conservative generic rule (`generic-secret`: a quoted value of
 *   16+ characters assigned to something named like a secret) are added;
 * - the global allowlist covers placeholders (`${TOKEN}`, `{{ token }}`, `<your-key>`,
 *   `your_api_key_here`, `xxxxxx`, `changeme`) and documentation examples (anything with `EXAMPLE`).
 * All regexes are RE2-compatible, so this file also works with gitleaks itself.
 */
export const DEFAULT_RULES_TOML = String.raw`
title = "CEE built-in secret rules"

[allowlist]
description = "Placeholders, template variables and documented examples"
regexes = [
  '''^(?i:true|false|null|nil|none|undefined|changeme|change_me|password|secret|token)$''',
  '''^\$\{?[A-Za-z_][A-Za-z0-9_.]*\}?$''',
  '''\$\{\{?[ \t]*[A-Za-z_][A-Za-z0-9_.:-]*[ \t]*\}?\}''',
  '''\{\{[^{}]*\}\}''',
  '''^%[A-Za-z_][A-Za-z0-9_]*%$''',
  '''<[A-Za-z][A-Za-z0-9 _.-]*>''',
  '''(?i)(?:your|my)[_.-]?(?:api[_.-]?|access[_.-]?|secret[_.-]?|auth[_.-]?)?(?:key|token|secret|password)''',
]
stopwords = [
  "example",
  "xxxxxx",
  "placeholder",
  "changeme",
  "change_me",
  "replace_me",
  "replaceme",
  "_here",
  "redacted",
  "dummy",
]

# --- AWS -----------------------------------------------------------------------------------------

[[rules]]
id = "aws-access-token"
description = "AWS access key id"
regex = '''\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b'''
entropy = 3
keywords = ["akia", "asia", "abia", "acca"]
[[rules.allowlists]]
regexes = ['''.+EXAMPLE$''']

[[rules]]
id = "aws-secret-access-key"
description = "AWS secret access key assigned to a secret_access_key / secretAccessKey field or variable"
regex = '''(?i)secret[_.-]?access[_.-]?key[\x60'"]?[ \t]{0,5}(?:=|:=|:|=>|,)[ \t]{0,5}[\x60'"]?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)'''
entropy = 4
keywords = ["secretaccesskey", "secret_access_key", "secret-access-key", "secret.access.key"]

# --- GitHub --------------------------------------------------------------------------------------

[[rules]]
id = "github-pat"
description = "GitHub personal access token (classic)"
regex = '''ghp_[0-9a-zA-Z]{36}'''
entropy = 3
keywords = ["ghp_"]

[[rules]]
id = "github-fine-grained-pat"
description = "GitHub fine-grained personal access token"
regex = '''github_pat_\w{82}'''
entropy = 3
keywords = ["github_pat_"]

[[rules]]
id = "github-oauth"
description = "GitHub OAuth access token"
regex = '''gho_[0-9a-zA-Z]{36}'''
entropy = 3
keywords = ["gho_"]

[[rules]]
id = "github-app-token"
description = "GitHub App user-to-server or server-to-server token"
regex = '''(?:ghu|ghs)_[0-9a-zA-Z]{36}'''
entropy = 3
keywords = ["ghu_", "ghs_"]

[[rules]]
id = "github-refresh-token"
description = "GitHub refresh token"
regex = '''ghr_[0-9a-zA-Z]{36}'''
entropy = 3
keywords = ["ghr_"]

# --- GitLab --------------------------------------------------------------------------------------

[[rules]]
id = "gitlab-pat"
description = "GitLab personal access token"
regex = '''glpat-[0-9a-zA-Z_-]{20,300}(?:\.[0-9a-z]{2}[0-9a-z]{7})?'''
entropy = 3
keywords = ["glpat-"]

[[rules]]
id = "gitlab-deploy-token"
description = "GitLab deploy token"
regex = '''gldt-[0-9a-zA-Z_-]{20}'''
entropy = 3
keywords = ["gldt-"]

[[rules]]
id = "gitlab-runner-token"
description = "GitLab runner authentication token"
regex = '''glrt-(?:t\d_)?[0-9a-zA-Z_-]{20,300}(?:\.[0-9a-z]{2}[0-9a-z]{7})?'''
entropy = 3
keywords = ["glrt-"]

[[rules]]
id = "gitlab-runner-registration-token"
description = "GitLab runner registration token"
regex = '''GR1348941[\w-]{20}'''
entropy = 3
keywords = ["gr1348941"]

[[rules]]
id = "gitlab-ptt"
description = "GitLab pipeline trigger token"
regex = '''glptt-[0-9a-f]{40}'''
entropy = 3
keywords = ["glptt-"]

[[rules]]
id = "gitlab-cicd-job-token"
description = "GitLab CI/CD job token"
regex = '''glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}'''
entropy = 3
keywords = ["glcbt-"]

[[rules]]
id = "gitlab-other-token"
description = "GitLab feed, incoming mail, agent, OAuth application, SCIM or feature flag token"
regex = '''(?:glft-[0-9a-zA-Z_-]{20}|glimt-[0-9a-zA-Z_-]{25}|glagent-[0-9a-zA-Z_-]{50}|gloas-[0-9a-zA-Z_-]{64}|glsoat-[0-9a-zA-Z_-]{20}|glffct-[0-9a-zA-Z_-]{20})'''
entropy = 3
keywords = ["glft-", "glimt-", "glagent-", "gloas-", "glsoat-", "glffct-"]

# --- Slack ---------------------------------------------------------------------------------------

[[rules]]
id = "slack-bot-token"
description = "Slack bot token"
regex = '''xoxb-[0-9]{8,14}-(?:[0-9]{10,13}-)?[a-zA-Z0-9-]{18,60}'''
entropy = 3
keywords = ["xoxb"]

[[rules]]
id = "slack-user-token"
description = "Slack user token"
regex = '''xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}'''
entropy = 2
keywords = ["xoxp", "xoxe"]

[[rules]]
id = "slack-app-token"
description = "Slack app-level token"
regex = '''(?i)xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+'''
entropy = 2
keywords = ["xapp"]

[[rules]]
id = "slack-config-token"
description = "Slack configuration access or refresh token"
regex = '''(?i)xoxe(?:\.xox[bp])?-\d-[A-Z0-9]{146,166}'''
entropy = 2
keywords = ["xoxe"]

[[rules]]
id = "slack-legacy-token"
description = "Slack legacy workspace, app or user token"
regex = '''xox[aors]-(?:[0-9]{1,14}-){0,4}[0-9a-zA-Z]{8,48}'''
entropy = 2
keywords = ["xoxa", "xoxo", "xoxr", "xoxs"]

[[rules]]
id = "slack-webhook-url"
description = "Slack incoming webhook URL"
regex = '''(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/]{43,56})'''
entropy = 3
keywords = ["hooks.slack.com"]

# --- Stripe --------------------------------------------------------------------------------------

[[rules]]
id = "stripe-access-token"
description = "Stripe secret or restricted API key"
regex = '''\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})(?:[^a-zA-Z0-9]|$)'''
entropy = 3
keywords = ["sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod"]

[[rules]]
id = "stripe-webhook-secret"
description = "Stripe webhook signing secret"
regex = '''\b(whsec_[a-zA-Z0-9]{32,64})(?:[^a-zA-Z0-9]|$)'''
entropy = 3
keywords = ["whsec_"]

# --- Google --------------------------------------------------------------------------------------

[[rules]]
id = "gcp-api-key"
description = "Google API key"
regex = '''\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)'''
entropy = 4
keywords = ["aiza"]

[[rules]]
id = "gcp-service-account-key-id"
description = "Google Cloud service account key (private_key_id of a key file)"
regex = '''"private_key_id"[ \t]*:[ \t]*"([a-f0-9]{40})"'''
entropy = 3
keywords = ["private_key_id"]

[[rules]]
id = "gcp-oauth-client-secret"
description = "Google OAuth client secret"
regex = '''\b(GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["gocspx-"]

# --- AI providers --------------------------------------------------------------------------------

[[rules]]
id = "openai-api-key"
description = "OpenAI API key"
regex = '''\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}|sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3
keywords = ["t3blbkfj"]

[[rules]]
id = "anthropic-api-key"
description = "Anthropic API or admin key"
regex = '''\b(sk-ant-(?:api03|admin01)-[a-zA-Z0-9_-]{93}AA)(?:[^a-zA-Z0-9_-]|$)'''
keywords = ["sk-ant-"]

# --- Package registries --------------------------------------------------------------------------

[[rules]]
id = "npm-access-token"
description = "npm access token"
regex = '''(?i)\b(npm_[a-z0-9]{36})(?:[^a-z0-9]|$)'''
entropy = 3
keywords = ["npm_"]

[[rules]]
id = "npm-auth-token"
description = "npm _authToken in an .npmrc"
regex = '''(?i)_authToken[ \t]*=[ \t]*["']?([A-Za-z0-9+/=_.-]{20,})'''
entropy = 3
keywords = ["_authtoken"]

[[rules]]
id = "pypi-upload-token"
description = "PyPI upload token"
regex = '''pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}'''
entropy = 3
keywords = ["pypi-ageichlwas5vcmc"]

# --- Other clouds and services -------------------------------------------------------------------

[[rules]]
id = "azure-storage-account-key"
description = "Azure storage account key in a connection string"
regex = '''(?i)AccountKey=([A-Za-z0-9+/]{86}==)'''
entropy = 4
keywords = ["accountkey="]

[[rules]]
id = "digitalocean-token"
description = "DigitalOcean personal access, OAuth or refresh token"
regex = '''\b(do[opr]_v1_[a-f0-9]{64})(?:[^a-f0-9]|$)'''
entropy = 3
keywords = ["dop_v1_", "doo_v1_", "dor_v1_"]

[[rules]]
id = "hashicorp-vault-token"
description = "HashiCorp Vault service or batch token"
regex = '''\b(hv[sb]\.[\w-]{90,300})(?:[^\w-]|$)'''
entropy = 3.5
keywords = ["hvs.", "hvb."]

[[rules]]
id = "shopify-token"
description = "Shopify access token or shared secret"
regex = '''shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}'''
entropy = 2
keywords = ["shpat_", "shpca_", "shppa_", "shpss_"]

[[rules]]
id = "databricks-api-token"
description = "Databricks API token"
regex = '''\b(dapi[a-f0-9]{32}(?:-\d)?)(?:[^a-f0-9-]|$)'''
entropy = 3
keywords = ["dapi"]

# --- Generic formats -----------------------------------------------------------------------------

[[rules]]
id = "jwt"
description = "JSON Web Token"
regex = '''\b(eyJ[A-Za-z0-9_-]{15,}\.eyJ[A-Za-z0-9_/\\-]{15,}\.(?:[A-Za-z0-9_/\\-]{10,}={0,2})?)(?:[^A-Za-z0-9_/\\=.-]|$)'''
entropy = 3
keywords = [".eyj"]
[[rules.allowlists]]
description = "The example token of jwt.io and RFC-style docs (sub 1234567890, name John Doe)"
regexes = ['''\.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lI''']

[[rules]]
id = "private-key"
description = "Private key (PEM block)"
regex = '''(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----((?:[^-]|-[^-]){64,}?)-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----'''
entropy = 3.5
keywords = ["-----begin"]

[[rules]]
id = "generic-secret"
description = "A quoted value of 16+ characters assigned to a field or variable named like a secret"
regex = '''(?i)(?:secret|token|passw(?:or)?d|api[_.-]?key|access[_.-]?key|auth[_.-]?key|private[_.-]?key)[\w.-]{0,20}[\x60'"]?[ \t]{0,3}(?:=|:=|:|=>)[ \t]{0,3}[\x60'"]([A-Za-z0-9+/=_.~!@#%^&*?-]{16,128})[\x60'"]'''
entropy = 3.5
keywords = [
  "secret", "token", "passw",
  "api_key", "api-key", "api.key", "apikey",
  "access_key", "access-key", "access.key", "accesskey",
  "auth_key", "auth-key", "auth.key", "authkey",
  "private_key", "private-key", "private.key", "privatekey",
]
[[rules.allowlists]]
description = "Identifiers, paths and dotted names are not secrets"
regexes = [
  '''^[^0-9]+$''',
  '''^[a-z0-9_-]+(?:\.[a-z0-9_-]+)+$''',
  '''^(?:\.{0,2}/)?[\w.-]+(?:/[\w.-]+)+/?$''',
]
[[rules.allowlists]]
description = "Test values and placeholders"
stopwords = ["test", "sample", "mock", "fake", "secret", "token", "password", "passwd", "1234", "abcd"]
`;
