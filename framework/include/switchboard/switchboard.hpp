#pragma once
// Everything a host application needs.

#include "switchboard/catalog.hpp"
#include "switchboard/chat_session.hpp"
#include "switchboard/completion.hpp"
#include "switchboard/error.hpp"
#include "switchboard/json.hpp"
#include "switchboard/log.hpp"
#include "switchboard/message.hpp"
#include "switchboard/model.hpp"
#include "switchboard/model_store.hpp"
#include "switchboard/provider.hpp"
#include "switchboard/registry.hpp"
#include "switchboard/request.hpp"
#include "switchboard/runtime.hpp"
#include "switchboard/stop_filter.hpp"
#include "switchboard/version.hpp"
