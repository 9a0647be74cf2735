"""The bridge's configuration: one frozen object, read once from the environment and validated.

Every variable is declared once in ``VARIABLES`` (name, parser, default, one line of help); the
``.env.example`` file and ``docs/configuration.md`` list the same names, and a test keeps them in step.
Processes build ``Settings.from_env(os.environ)`` once at start-up and pass the object down; tests build
``Settings.from_env({}, overrides)`` and never patch the environment.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from core import parsing
from core.entities import ENTITIES, NONCRITICAL
from core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Variable:
    """One environment variable: its settings attribute, parser, default and help line."""

    env: str
    parse: Callable[[str], Any]
    default: str | None
    help: str
    secret: bool = False

    @property
    def attr(self) -> str:
        return self.env.lower()


def _entities(raw: str) -> tuple[str, ...]:
    names = parsing.word_list(raw)
    unknown = [name for name in names if name not in ENTITIES]
    if unknown:
        raise ValueError(f"unknown entities {unknown}; known: {', '.join(ENTITIES)}")
    return names


def _secrets(raw: str) -> tuple[str, ...]:
    secrets = parsing.word_list(raw)
    for secret in secrets:
        parsing.webhook_secret_key(secret)
    return secrets


def _url_tokens(raw: str) -> tuple[str, ...]:
    """ERP_WEBHOOK_TOKENS: each token is one URL path segment, so only URL-safe characters, 16 at least."""
    tokens = parsing.word_list(raw)
    for token in tokens:
        if len(token) < 16 or not all(char.isascii() and (char.isalnum() or char in "-._~") for char in token):
            raise ValueError("each token must be at least 16 characters of A-Z, a-z, 0-9, '-', '.', '_' or '~' "
                             "(it travels in the webhook's URL)")
    return tokens


def _tax_map(raw: str) -> dict[str, int]:
    """ODOO_TAX_MAP: a JSON object, Magento tax code or rate ("8.25") -> Odoo account.tax id."""
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ValueError('must be a JSON object such as {"US-CA-*-Rate 1": 12, "8.25": 12}') from None
    if not isinstance(parsed, dict) or not all(
            isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in parsed.values()):
        raise ValueError("must map tax codes or rates to positive account.tax ids")
    return {str(key).strip(): value for key, value in parsed.items()}


def _sources(raw: str) -> dict[str, str]:
    """MAGENTO_SOURCES: ``code=location`` pairs, comma separated: Magento source code -> ERP location."""
    sources: dict[str, str] = {}
    for pair in (part.strip() for part in raw.split(",") if part.strip()):
        code, equals, location = (text.strip() for text in pair.partition("="))
        if not equals or not code or not location or any(char.isspace() for char in code):
            raise ValueError(f"{pair!r} is not source_code=ERP location, e.g. default=WH/Stock,berlin=BER/Stock")
        if code in sources:
            raise ValueError(f"source {code!r} is mapped twice")
        sources[code] = location
    return sources


V = Variable
VARIABLES: tuple[Variable, ...] = (
    # Broker and receiver
    V("AMQP_URL", parsing.amqp_url, "amqp://guest:guest@127.0.0.1:5672/%2F",
      "RabbitMQ connection URL (vhost URL-encoded, %2F is the default vhost).", secret=True),
    V("WEBHOOK_SECRETS", _secrets, "",
      "Standard Webhooks signing secrets (whsec_<base64>), space or comma separated; several allow rotation.",
      secret=True),
    V("WEBHOOK_TOKENS", parsing.word_list, "",
      "Static bearer tokens accepted from senders that cannot sign, space or comma separated.", secret=True),
    V("WEBHOOK_TOLERANCE_SECONDS", parsing.positive_int, "300",
      "How far a signed notification's webhook-timestamp may be from now, in seconds."),
    V("MAX_BODY_BYTES", parsing.positive_int, "262144", "Largest notification body accepted, in bytes."),
    V("ADOBE_IO_PUBLIC_KEYS", parsing.path_list, "",
      "PEM files of the Adobe I/O Events public keys that verify x-adobe-digital-signature-1/-2."),
    V("ADOBE_IO_CLIENT_ID", str, "",
      "This integration's Adobe I/O client id; Adobe I/O events for another recipient_client_id are refused."),
    V("DEDUP_WINDOW_SECONDS", parsing.positive_int, "86400",
      "How long an accepted event id is remembered, so a redelivery is answered as a duplicate; "
      "at least WEBHOOK_TOLERANCE_SECONDS."),
    V("REQUEST_HEADER_TIMEOUT_SECONDS", parsing.positive_float, "10",
      "How long a client may take to send a request's head (line and headers) before it is closed."),
    V("REQUEST_BODY_TIMEOUT_SECONDS", parsing.positive_float, "10",
      "How long a client may take to send a request's body once its head arrived (else 408)."),
    V("PUBLISH_TIMEOUT_SECONDS", parsing.positive_float, "5",
      "How long the receiver waits for the broker's confirm before answering 503."),
    V("LOG_LEVEL", parsing.log_level, "INFO", "DEBUG, INFO, WARNING or ERROR."),
    V("LOG_FORMAT", parsing.choice("json", "text"), "text", "json (one object per line) or text."),
    # Magento
    V("MAGENTO_BASE_URL", parsing.http_url_or_empty, "",
      "The store's base URL; calls go to {base}/rest/{store}/V1/..."),
    V("MAGENTO_ACCESS_TOKEN", str, "", "Integration access token (Bearer, or OAuth 1.0a token).", secret=True),
    V("MAGENTO_STORE_CODE", parsing.store_code, "default", "Store view code used for reads."),
    V("MAGENTO_WRITE_STORE_CODE", parsing.store_code, "all",
      "Store code used for writes; 'all' avoids creating store-level overrides."),
    V("MAGENTO_TIMEOUT", parsing.positive_float, "10", "Seconds before a Magento call times out."),
    V("MAGENTO_VERIFY_TLS", parsing.boolean, "true", "Verify the store's TLS certificate (true/false)."),
    V("MAGENTO_CONSUMER_KEY", str, "", "OAuth 1.0a consumer key; set the four OAuth values to sign requests.",
      secret=True),
    V("MAGENTO_CONSUMER_SECRET", str, "", "OAuth 1.0a consumer secret.", secret=True),
    V("MAGENTO_ACCESS_TOKEN_SECRET", str, "", "OAuth 1.0a access token secret.", secret=True),
    V("MAGENTO_RETRIES", parsing.non_negative_int, "3",
      "Retries of a Magento call after a timeout or connection error."),
    V("MAGENTO_BACKOFF_SECONDS", parsing.non_negative_float, "1",
      "First retry delay; each further retry doubles it (1, 2, 4 s)."),
    V("MAGENTO_RETRY_AFTER_CAP", parsing.non_negative_float, "60",
      "Longest Retry-After (seconds) honoured in-process; longer waits go back to the broker."),
    V("MAGENTO_WEIGHT_UNIT", parsing.choice("", "lbs", "kgs"), "",
      "Unit of Magento's product weights: lbs or kgs; empty reads it from the store config (kgs if unknown)."),
    V("MAGENTO_MAX_ITEMS", parsing.positive_int, "20",
      "Most items per REST input array (POST /V1/inventory/source-items); Magento 2.4.3+ refuses more when "
      "its input limits are on (default 20)."),
    V("MAGENTO_SOURCES", _sources, "",
      "MSI sources stock is pushed to: source_code=ERP location pairs (default=WH/Stock,berlin=BER/Stock); "
      "empty: the legacy stock item."),
    V("BATCH_SIZE", parsing.positive_int, "100", "Records per page when paging Magento lists."),
    V("BATCH_DELAY", parsing.non_negative_float, "0", "Seconds to wait between pages."),
    # ERP
    V("ERP_BACKEND", parsing.choice("odoo", "http"), "odoo", "Where records go: odoo or http."),
    V("ODOO_URL", parsing.http_url_or_empty, "", "Odoo server base URL; the client appends /jsonrpc."),
    V("ODOO_DB", str, "", "Odoo database name."),
    V("ODOO_USERNAME", str, "", "Odoo login."),
    V("ODOO_PASSWORD", str, "", "Odoo password or API key.", secret=True),
    V("ODOO_BINDING_MODULE", parsing.identifier, "magento",
      "Module name of the ir.model.data external ids binding Magento ids to Odoo ids."),
    V("ODOO_TAX_MAP", _tax_map, "",
      'JSON object mapping Magento tax codes or rates ("8.25") to Odoo account.tax ids; others found by rate.'),
    V("ODOO_CREATE_PRICELISTS", parsing.boolean, "true",
      "Create a pricelist for an order currency Odoo has none in (false: such orders are refused)."),
    V("ODOO_GIFT_CARD_PRODUCT", str, "Gift card (Magento)", "Name of the service product of gift card lines."),
    V("ODOO_STORE_CREDIT_PRODUCT", str, "Store credit (Magento)",
      "Name of the service product of store credit lines."),
    V("ODOO_REWARD_PRODUCT", str, "Reward points (Magento)", "Name of the service product of reward point lines."),
    V("ODOO_ADJUSTMENT_PRODUCT", str, "Refund adjustment (Magento)",
      "Name of the service product of credit memo adjustment lines."),
    V("ODOO_ROUNDING_PRODUCT", str, "Rounding (Magento)",
      "Name of the service product of the line absorbing per-line tax rounding (a cent per line at most)."),
    V("ERP_HTTP_URL", parsing.http_url_or_empty, "", "Base URL of the HTTP ERP: PUT {url}/{entity}/{key}."),
    V("ERP_HTTP_TOKEN", str, "", "Bearer token sent to the HTTP ERP.", secret=True),
    V("ERP_TIMEOUT", parsing.positive_float, "10", "Seconds before an ERP call times out."),
    V("STOCK_QUANTITY", parsing.choice("on_hand", "free", "forecast"), "on_hand",
      "The ERP quantity pushed to Magento: on_hand (Odoo qty_available), free (free_qty) or forecast "
      "(virtual_available)."),
    V("STOCK_OWNER", parsing.choice("magento", "erp"), "magento",
      "Who owns stock quantities: magento (Magento's stock changes are written into the ERP) or erp "
      "(they are not; the ERP's quantities are pushed to Magento)."),
    # Consumers
    V("RETRY_DELAYS", parsing.delay_tiers, "5,30,120,600,1800",
      "Broker-held retry delays in seconds, one queue per tier, used in order."),
    V("MAX_ATTEMPTS", parsing.positive_int, "8", "Attempts before a retryable failure is dead-lettered."),
    V("NONCRITICAL_ENTITIES", _entities, ",".join(NONCRITICAL),
      "Entities skipped and reported, not retried, while their Magento endpoint is unavailable."),
    V("CONSUMER_CONCURRENCY", parsing.positive_int, "8", "Records a consumer process handles in parallel."),
    V("CONSUMER_PREFETCH", parsing.non_negative_int, "0",
      "Unacknowledged messages a consumer holds; 0 means 4 x concurrency."),
    V("PAUSE_PROBE_SECONDS", parsing.positive_float, "30",
      "While Magento or the ERP refuses the credentials, consumers pause and check them again this often."),
    V("REPORTS_RETENTION_DAYS", parsing.positive_int, "30",
      "Sync reports (and their error texts) older than this many days are deleted; consumers prune hourly."),
    V("DATABASE_URL", parsing.database_url, "sqlite:///var/bridge.sqlite3",
      "SQLAlchemy URL of the reports and state database (sqlite:/// or postgresql://).", secret=True),
    # Operations
    V("RECONCILE_LOOKBACK", parsing.duration, "24h", "First reconcile looks this far back (e.g. 24h, 90m, 3600)."),
    V("RECONCILE_OVERLAP", parsing.duration, "120s",
      "Each reconcile re-reads this much before the watermark, for transactions still open."),
    V("RECONCILE_INTERVAL", parsing.duration, "300s", "Seconds between reconcile runs of the reconciler."),
    # ERP -> Magento: where the ERP's changes come from (bridgectl erp-poll, POST /webhooks/erp...)
    V("ODOO_POLL_OVERLAP", parsing.duration, "300s",
      "Each Odoo poll re-reads this much before its watermark (Odoo dates a row with its transaction's start)."),
    V("ERP_POLL_INTERVAL", parsing.duration, "60s", "Time between the ERP poller's rounds (bridgectl erp-poll)."),
    V("ERP_HTTP_CHANGES", parsing.boolean, "false",
      "The HTTP ERP serves GET {ERP_HTTP_URL}/changes: bridgectl erp-poll reads it (true/false)."),
    V("ERP_WEBHOOK_TOKENS", _url_tokens, "",
      "Tokens of POST /webhooks/erp/odoo/<token> (Odoo's automation webhooks), comma separated; several allow "
      "rotation.", secret=True),
    V("ERP_WEBHOOK_SECRETS", _secrets, "",
      "Standard Webhooks secrets (whsec_<base64>) of the HTTP ERP's POST /webhooks/erp, comma separated; several "
      "allow rotation.", secret=True),
)

_BY_ATTR = {variable.attr: variable for variable in VARIABLES}


def _settings_class() -> type:
    fields = [(variable.attr, Any) for variable in VARIABLES]
    return dataclasses.make_dataclass("_SettingsBase", fields, frozen=True)


class Settings(_settings_class()):  # type: ignore[misc]
    """Validated configuration; attribute names are the lower-cased variable names."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Settings:
        """Parse every variable from ``env``; ``overrides`` (by variable or attribute name) win."""
        raw = {variable.attr: env.get(variable.env) for variable in VARIABLES}
        typed: dict[str, Any] = {}
        for key, value in (overrides or {}).items():
            attr = key.lower()
            if attr not in _BY_ATTR:
                raise ConfigError(f"unknown setting {key!r}")
            if isinstance(value, str):
                raw[attr] = value
            else:
                typed[attr] = value
        values = {attr: typed.get(attr, None) for attr in _BY_ATTR}
        errors = []
        for attr, variable in _BY_ATTR.items():
            if attr in typed:
                continue
            text = raw[attr]
            if text is None or text.strip() == "":
                text = variable.default or ""
            try:
                values[attr] = variable.parse(text.strip())
            except ValueError as exc:
                errors.append(f"{variable.env}: {exc} (got {_shown(variable, text)})")
        if errors:
            raise ConfigError("invalid configuration: " + "; ".join(errors))
        return cls(**values)

    def require(self, *envs: str, why: str) -> None:
        """Raise ConfigError naming every listed variable that is empty; ``why`` says who needs it."""
        missing = [env for env in envs if not getattr(self, env.lower())]
        if missing:
            raise ConfigError(f"{', '.join(missing)} must be set {why}")

    def validate_receiver(self) -> None:
        """The receiver authenticates every notification, so it needs a secret, a token or an Adobe key."""
        if not (self.webhook_secrets or self.webhook_tokens or self.adobe_io_public_keys
                or self.erp_webhook_tokens or self.erp_webhook_secrets):
            raise ConfigError("the receiver refuses to start: set WEBHOOK_SECRETS or WEBHOOK_TOKENS "
                              "(or ADOBE_IO_PUBLIC_KEYS for Adobe I/O Events, ERP_WEBHOOK_TOKENS or "
                              "ERP_WEBHOOK_SECRETS for the ERP's webhooks) so senders can be authenticated")
        if self.dedup_window_seconds < self.webhook_tolerance_seconds:
            raise ConfigError(f"the receiver refuses to start: DEDUP_WINDOW_SECONDS ({self.dedup_window_seconds}) "
                              f"is shorter than WEBHOOK_TOLERANCE_SECONDS ({self.webhook_tolerance_seconds}), so a "
                              "captured signed request could be replayed once its id is forgotten; make the window "
                              "at least the tolerance")

    def validate_magento(self) -> None:
        self.require("MAGENTO_BASE_URL", "MAGENTO_ACCESS_TOKEN", why="to call Magento's REST API")
        oauth = [self.magento_consumer_key, self.magento_consumer_secret, self.magento_access_token_secret]
        if any(oauth) and not all(oauth):
            self.require("MAGENTO_CONSUMER_KEY", "MAGENTO_CONSUMER_SECRET", "MAGENTO_ACCESS_TOKEN_SECRET",
                         why="together for OAuth 1.0a signing (or leave all three empty for Bearer)")

    def validate_erp(self) -> None:
        if self.erp_backend == "odoo":
            self.require("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD", why="when ERP_BACKEND=odoo")
        else:
            self.require("ERP_HTTP_URL", why="when ERP_BACKEND=http")

    @property
    def uses_oauth1(self) -> bool:
        return bool(self.magento_consumer_key)

    @property
    def prefetch(self) -> int:
        return int(self.consumer_prefetch or 4 * self.consumer_concurrency)

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with every secret replaced, safe to log or print."""
        return {attr: ("***" if _BY_ATTR[attr].secret and getattr(self, attr) else getattr(self, attr))
                for attr in _BY_ATTR}


def _shown(variable: Variable, text: str) -> str:
    return "a secret value" if variable.secret else repr(text)


def load_settings(env: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build the settings, the one entry point processes use at start-up."""
    return Settings.from_env(env, overrides)
