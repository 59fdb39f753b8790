// Store: every storage port of the api role, implemented together by one adapter
// (SqliteStore, later PgStore) so that a write, its audit row and its outbox row share a
// transaction.
// Other roles never see this: they talk to the API (ports/platform).
#ifndef SECPLAT_PORTS_STORE_STORE_H_
#define SECPLAT_PORTS_STORE_STORE_H_

#include "ports/store/asset_store.h"
#include "ports/store/event_store.h"
#include "ports/store/finding_store.h"
#include "ports/store/notification_store.h"
#include "ports/store/outbox_store.h"
#include "ports/store/posture_store.h"
#include "ports/store/scan_job_store.h"
#include "ports/store/token_store.h"

namespace secplat::ports::store {

class Store : public AssetStore,
              public FindingStore,
              public EventStore,
              public ScanJobStore,
              public OutboxStore,
              public PostureStore,
              public NotificationStore,
              public TokenStore,
              public AuditReader,
              public StoreHealth {
 public:
  ~Store() override = default;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_STORE_H_
