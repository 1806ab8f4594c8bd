// Checks the config schema cannot make alone (it does not link the query
// language): every filter and alert query compiles. Registered once by main(),
// so `validate`, every command and every reload report them as FILE:LINE:COL.
#pragma once

namespace lt::services {

void register_config_validators();

}  // namespace lt::services
