// Registration of the odoo connector: its keys, capabilities and constructor.
#include "connectors/odoo/odoo_connector.hpp"
#include "connectors/odoo/settings.hpp"
#include "core/connector/registry.hpp"

namespace coopsync::odoo {

namespace {

ConnectorInfo odoo_info() {
  ConnectorInfo info;
  info.type = "odoo";
  info.summary = "Odoo 14-19: members (res.partner), tags as groups, events and registrations (optionally meetings); XML-RPC or JSON-2";
  info.spec = settings_spec();
  info.spec.add(meeting_settings_field());
  info.capabilities = odoo_capabilities();
  info.make = [](const ConnectorContext& ctx) -> Result<ConnectorPtr> {
    auto settings = parse_settings(ctx.settings, ctx.default_region);
    if (!settings) return std::move(settings).error();
    http::ClientOptions options;
    options.system = ctx.name;
    auto http = ctx.make_http ? ctx.make_http(options) : http::make_curl_client(options);
    if (!http) return make_error(ErrorKind::kInternal, "odoo: no HTTP client");
    auto meetings = parse_meeting_settings(ctx.settings);
    if (!meetings) return std::move(meetings).error();
    auto connector = std::make_unique<OdooConnector>(std::move(*settings), std::move(http));
    connector->enable_meetings(std::move(*meetings), ctx.state);
    return ConnectorPtr(std::move(connector));
  };
  return info;
}

}  // namespace

COOPSYNC_REGISTER_CONNECTOR(odoo_info);

}  // namespace coopsync::odoo
