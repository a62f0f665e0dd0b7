/**
 * Config node `devicecloud-account`: one cloud account. It owns one API client (token, connection pool, request
 * queue, rate limit) that every flow node naming it shares, created here and closed in `close`.
 */
import type { NodeAPI } from "node-red";
import { OFFERS } from "./api";
import { accountOptions, openClient, providerProblem } from "./runtime/account-client";
import { registerAdminRoutes } from "./runtime/admin";
import { type AccountCredentials, type AccountDef, type AccountNode } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function DeviceCloudAccount(this: AccountNode, def: AccountDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const { provider, simulate } = accountOptions(def);
    node.provider = provider;
    node.simulate = simulate;
    node.problem = providerProblem(def);
    const opened = openClient(def, node.credentials ?? {}, (id) => RED.nodes.getNode(id));
    // Kept for every later request; a misconfigured account fails each message with the same clear error.
    opened.catch(() => undefined);
    node.client = () => opened.then((o) => o.client);

    node.on("close", (_removed: boolean, done: () => void) => {
      opened.then(
        (o) => o.release(),
        () => undefined,
      ).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType<AccountNode, AccountDef, object, AccountCredentials>("devicecloud-account", DeviceCloudAccount, {
    credentials: { clientId: { type: "text" }, clientSecret: { type: "password" } },
    // What each cloud offers, as the clients declare it: the editor reads RED.settings.devicecloudAccountOffers.
    settings: { devicecloudAccountOffers: { value: OFFERS, exportable: true } },
  });
  registerAdminRoutes(RED);
};
