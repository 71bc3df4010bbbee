// The Matrix connector's registration: its spec, capabilities, factory, and the
// `coopsync matrix registration` command that writes the appservice registration YAML a
// homeserver admin installs (shape of ../shared/fixtures/matrix/appservice-registration.yaml).
#include "connectors/matrix/matrix_connector.hpp"
#include "connectors/matrix/registration.hpp"
#include "core/connector/registry.hpp"

#include <ostream>

namespace coopsync::matrix {

namespace {
Result<ConnectorPtr> make(const ConnectorContext& ctx) {
  auto settings = parse_settings(ctx.settings);
  if (!settings.ok()) return std::move(settings).error();
  http::ClientOptions options;
  options.system = ctx.name;
  options.user_agent = "coopsync-matrix";
  http::HttpClientPtr client = ctx.make_http ? ctx.make_http(options) : http::make_curl_client(options);
  if (!client) return make_error(ErrorKind::kInternal, "matrix: no HTTP client");
  return ConnectorPtr(std::make_unique<MatrixConnector>(ctx, std::move(settings).value(),
                                                        std::move(client)));
}

int run_registration(const ConnectorContext& ctx, const std::vector<std::string>& /*args*/,
                     std::ostream& out) {
  auto settings = parse_settings(ctx.settings);
  if (!settings.ok()) {
    out << "error: " << settings.error().message << "\n";
    return 2;
  }
  auto yaml = registration_yaml(*settings);
  if (!yaml.ok()) {
    out << "error: " << yaml.error().message << "\n";
    return 2;
  }
  out << *yaml;
  return 0;
}

ConnectorInfo matrix_connector_info() {
  ConnectorInfo info;
  info.type = "matrix";
  info.summary = "Matrix (Synapse): a room per collective in a space, invites/kicks, announcements";
  info.spec = settings_spec();
  info.capabilities = matrix_capabilities(true);
  info.make = make;
  info.commands.push_back(ConnectorCommand{
      "registration",
      "Print the application service registration YAML for the homeserver's admin",
      run_registration});
  return info;
}
}  // namespace

}  // namespace coopsync::matrix

COOPSYNC_REGISTER_CONNECTOR(coopsync::matrix::matrix_connector_info);
