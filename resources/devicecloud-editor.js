/* global RED */
/*
 * Shared editor code of @devicecloud/node-red-devicecloud.
 *
 * Node-RED serves this file from the module's top-level resources/ folder at the relative url
 * resources/@devicecloud/node-red-devicecloud/devicecloud-editor.js; every node's .html includes it.
 * Node-RED loads it once per <script src> tag, so it defines itself only the first time.
 *
 * window.DeviceCloudEditor = {
 *     deviceIdTypes,                                   the TypedInput types of every deviceId field
 *     providerOf(accountId),                           "flatpeak" | "blynk" | null (account not found)
 *     selectedAccount(selector?),                      the account chosen in the dialog, or ""
 *     validateAccount(node, value, providers?),        a validator for the `account` property
 *     unsupportedMessage(node, accountId, providers, sentence?)  the warning text, or "" when the provider fits
 *     watchProvider(node, options),                    shows/hides a warning row as the account changes
 *     attachDevicePicker(node, inputSelector, options),   search button + paged device list
 *     attachMetafieldPicker(node, inputSelector, options) pick button + metafield list (blynk)
 *     attachLocationPicker(node, inputSelector, options)  pick button + paged location list (flatpeak)
 *     attachDatastreamPicker(node, inputSelector, options) pick button + the template's datastreams (blynk)
 *     attachEventPicker(node, inputSelector, options)     pick button + the template's event codes (blynk)
 *     errorText(node, xhr, notDeployedKey)             the text for a failed admin request
 *     isEnvVar(value)                                  true for "${NAME}", which the runtime replaces (any field)
 * }
 *
 * Every text goes through node._(). The texts all nodes share ("devicecloud.…") live once, in the account
 * node's catalogue (nodes/locales/<lang>/devicecloud-account.json), so tr() names that catalogue for them.
 */
(function (window, $) {
    "use strict";
    if (!$ || window.DeviceCloudEditor) {
        return;
    }

    var PROVIDER_NAMES = { flatpeak: "Flatpeak", blynk: "Blynk" };
    var ACCOUNT_TYPE = "devicecloud-account";
    var STYLE_ID = "devicecloud-editor-style";

    var SHARED_CATALOGUE = "@devicecloud/node-red-devicecloud/" + ACCOUNT_TYPE;

    function tr(node, key, params) {
        if (key.indexOf("devicecloud.") === 0) {
            key = SHARED_CATALOGUE + ":" + key;
        }
        if (node && typeof node._ === "function") {
            return node._(key, params);
        }
        return RED._(key, params);
    }

    function providerOf(accountId) {
        if (!accountId || accountId === "_ADD_") {
            return null;
        }
        var cfg = RED.nodes.node(accountId);
        if (!cfg || cfg.type !== ACCOUNT_TYPE) {
            return null;
        }
        // a missing property takes the contract's default
        return cfg.provider || "flatpeak";
    }

    function selectedAccount(selector) {
        var v = $(selector || "#node-input-account").val();
        return v && v !== "_ADD_" ? v : "";
    }

    /**
     * "" when the account's provider offers the operation, else the message: the short form for the validator
     * (shown in the list of invalid properties), a sentence (key devicecloud.errors.unsupportedWarning) for the
     * warning row of the dialog, which a tip follows.
     */
    function unsupportedMessage(node, accountId, providers, sentence) {
        if (!providers || !providers.length) {
            return "";
        }
        var provider = providerOf(accountId);
        if (!provider || providers.indexOf(provider) !== -1) {
            return "";
        }
        var type = node && (node.type || (node._def && node._def.type));
        return tr(node, sentence ? "devicecloud.errors.unsupportedWarning" : "devicecloud.errors.unsupported", {
            operation: tr(node, type + ".paletteLabel"),
            provider: PROVIDER_NAMES[provider] || provider
        });
    }

    /**
     * Validator of the `account` property of a flow node: an account must be chosen, it must exist and be
     * valid, and (when `providers` is given) its provider must offer the node's operation. Returns true or
     * a message (Node-RED 3+ shows it beside the invalid triangle).
     */
    function validateAccount(node, value, providers) {
        if (!value || value === "_ADD_") {
            return tr(node, "devicecloud.errors.noAccount");
        }
        var cfg = RED.nodes.node(value);
        var label = tr(node, "devicecloud.label.account");
        if (!cfg) {
            return RED._("validator.errors.missing-config", { prop: label });
        }
        if (cfg.valid === false) {
            return RED._("validator.errors.invalid-config", { prop: label });
        }
        return unsupportedMessage(node, value, providers) || true;
    }

    /**
     * options: { row: selector of the (hidden) warning row, providers: ["blynk"], account: selector,
     *            text: selector inside the row that receives the text (default: the row itself) }
     */
    function watchProvider(node, options) {
        var opts = options || {};
        var accountSelector = opts.account || "#node-input-account";
        var row = $(opts.row);
        var target = opts.text ? row.find(opts.text) : row;
        function update() {
            var msg = unsupportedMessage(node, selectedAccount(accountSelector), opts.providers, true);
            if (msg) {
                target.text(msg);
                row.show();
            } else {
                row.hide();
            }
            if (RED.tray && RED.tray.resize) {
                RED.tray.resize();
            }
        }
        $(accountSelector).on("change", update);
        update();
        return update;
    }

    function parseBody(xhr) {
        if (!xhr) {
            return null;
        }
        if (xhr.responseJSON && typeof xhr.responseJSON === "object") {
            return xhr.responseJSON;
        }
        try {
            return xhr.responseText ? JSON.parse(xhr.responseText) : null;
        } catch {
            return null;
        }
    }

    function errorText(node, xhr, notDeployedKey) {
        var body = parseBody(xhr);
        if (xhr && xhr.status === 404 && body && body.code === "NOT_DEPLOYED") {
            return tr(node, notDeployedKey || "devicecloud.picker.notDeployed");
        }
        if (body && body.code) {
            return body.code + ": " + (body.message || "");
        }
        if (xhr && xhr.status) {
            return tr(node, "devicecloud.picker.httpError", { status: xhr.status, text: xhr.statusText || "" });
        }
        return tr(node, "devicecloud.picker.noAnswer");
    }

    function ensureStyle() {
        if (document.getElementById(STYLE_ID)) {
            return;
        }
        var css = [
            ".devicecloud-picker-button { margin-left: 4px; vertical-align: top; }",
            ".devicecloud-picker { margin: 6px 0 0 104px; width: 70%; box-sizing: border-box;",
            "  border: 1px solid var(--red-ui-form-input-border-color, #ccc); border-radius: 4px; padding: 6px; }",
            ".devicecloud-picker .red-ui-searchBox-container { margin-bottom: 6px; }",
            ".devicecloud-picker-list { list-style: none; margin: 0; padding: 0; max-height: 220px; overflow-y: auto; }",
            ".devicecloud-picker-list li a { display: block; padding: 3px 6px; text-decoration: none; cursor: pointer;",
            "  color: var(--red-ui-primary-text-color, #555); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }",
            ".devicecloud-picker-list li a:hover, .devicecloud-picker-list li a:focus {",
            "  background: var(--red-ui-list-item-background-hover, #e6e6e6); }",
            ".devicecloud-picker-list .devicecloud-picker-id { color: var(--red-ui-secondary-text-color, #888); }",
            ".devicecloud-picker-note { padding: 3px 6px; color: var(--red-ui-secondary-text-color, #888); }",
            ".devicecloud-picker-note.devicecloud-error { color: var(--red-ui-text-color-error, #AD1625); }",
            ".devicecloud-picker-footer { margin-top: 6px; }",
            ".devicecloud-picker-footer .devicecloud-picker-count { margin-left: 8px;",
            "  color: var(--red-ui-secondary-text-color, #888); }"
        ].join("\n");
        $("<style>", { id: STYLE_ID, type: "text/css" }).text(css).appendTo("head");
    }

    /**
     * A small panel below a form row: an optional search box, a list of rows, a "more" button.
     * options: {
     *   node, row (the form-row element), search (bool), searchPlaceholder,
     *   precheck(): "" or a message that stops the request,
     *   request(query, cursor): {url, data},
     *   format(item): {label, id},
     *   onPick(item), emptyKey, notDeployedKey
     * }
     */
    function createListPanel(options) {
        var node = options.node;
        ensureStyle();
        var panel = $('<div class="devicecloud-picker"></div>').hide().appendTo(options.row);
        var searchInput = null;
        if (options.search) {
            searchInput = $('<input type="text">')
                .attr("placeholder", options.searchPlaceholder || "")
                .appendTo(panel);
        }
        var note = $('<div class="devicecloud-picker-note"></div>').appendTo(panel);
        var list = $('<ul class="devicecloud-picker-list"></ul>').appendTo(panel);
        var footer = $('<div class="devicecloud-picker-footer"></div>').appendTo(panel);
        var moreButton = $('<button type="button" class="red-ui-button red-ui-button-small"></button>')
            .text(tr(node, "devicecloud.picker.more"))
            .appendTo(footer);
        var countText = $('<span class="devicecloud-picker-count"></span>').appendTo(footer);

        var seq = 0;
        var cursor = null;
        var shown = 0;

        function setNote(text, isError) {
            note.toggleClass("devicecloud-error", !!isError);
            if (text) {
                note.text(text).show();
            } else {
                note.text("").hide();
            }
        }
        function setLoading(on) {
            if (on) {
                note.removeClass("devicecloud-error").empty().show()
                    .append('<i class="fa fa-spinner fa-spin"></i> ')
                    .append($("<span>").text(tr(node, "devicecloud.picker.loading")));
            }
        }
        function resize() {
            if (RED.tray && RED.tray.resize) {
                RED.tray.resize();
            }
        }
        function updateFooter(total) {
            moreButton.toggle(!!cursor);
            if (shown > 0 && typeof total === "number") {
                countText.text(tr(node, "devicecloud.picker.countOfTotal", { count: shown, total: total }));
            } else if (shown > 0) {
                countText.text(tr(node, "devicecloud.picker.count", { count: shown }));
            } else {
                countText.text("");
            }
            footer.toggle(!!cursor || shown > 0);
        }
        function addItem(item) {
            var f = options.format(item);
            var a = $('<a href="#"></a>');
            if (f.label && f.label !== f.id) {
                a.append($("<span>").text(f.label + " "));
                a.append($('<span class="devicecloud-picker-id">').text("(" + f.id + ")"));
            } else {
                a.append($("<span>").text(f.id));
            }
            a.attr("title", f.label ? f.label + " (" + f.id + ")" : f.id);
            a.on("click", function (evt) {
                evt.preventDefault();
                options.onPick(item);
                close();
            });
            $("<li>").append(a).appendTo(list);
            shown++;
        }

        function load(reset) {
            var mySeq = ++seq;
            if (reset) {
                cursor = null;
                shown = 0;
                list.empty();
                updateFooter();
            }
            var problem = options.precheck ? options.precheck() : "";
            if (problem) {
                setNote(problem, true);
                footer.hide();
                resize();
                return;
            }
            setLoading(true);
            moreButton.prop("disabled", true);
            var query = searchInput ? String(searchInput.val() || "").trim() : "";
            var req = options.request(query, cursor);
            $.ajax({ url: req.url, data: req.data, method: "GET", dataType: "json", cache: false })
                .done(function (res) {
                    if (mySeq !== seq) {
                        return;
                    }
                    var items = res && Array.isArray(res.items) ? res.items : [];
                    items.forEach(addItem);
                    cursor = res && res.next ? res.next : null;
                    if (shown === 0) {
                        setNote(tr(node, options.emptyKey || "devicecloud.picker.empty"), false);
                    } else {
                        setNote("", false);
                    }
                    updateFooter(res && typeof res.total === "number" ? res.total : undefined);
                })
                .fail(function (xhr) {
                    if (mySeq !== seq) {
                        return;
                    }
                    setNote(errorText(node, xhr, options.notDeployedKey), true);
                    updateFooter();
                })
                .always(function () {
                    if (mySeq === seq) {
                        moreButton.prop("disabled", false);
                        resize();
                    }
                });
        }

        function open() {
            panel.show();
            load(true);
            if (searchInput) {
                searchInput.trigger("focus");
            }
            resize();
        }
        function close() {
            seq++;
            panel.hide();
            resize();
        }
        function toggle() {
            if (panel.is(":visible")) {
                close();
            } else {
                open();
            }
        }

        if (searchInput) {
            searchInput.searchBox({
                delay: 300,
                change: function () {
                    if (panel.is(":visible")) {
                        load(true);
                    }
                }
            });
            // searchBox reacts to keyup only: a paste with the mouse or a drop fires "input" alone
            searchInput.on("input", function () {
                searchInput.searchBox("value", searchInput.val());
            });
        }
        moreButton.on("click", function (evt) {
            evt.preventDefault();
            load(false);
        });
        footer.hide();
        setNote("", false);

        return {
            open: open,
            close: close,
            toggle: toggle,
            reload: function () {
                if (panel.is(":visible")) {
                    load(true);
                }
            },
            isOpen: function () {
                return panel.is(":visible");
            }
        };
    }

    function addButton(node, input, iconClass, titleKey) {
        var container = input.next(".red-ui-typedInput-container");
        var anchor = container.length ? container : input;
        var button = $('<button type="button" class="red-ui-button devicecloud-picker-button"></button>')
            .append($("<i>").addClass("fa " + iconClass))
            .insertAfter(anchor);
        var title = tr(node, titleKey);
        if (RED.popover && RED.popover.tooltip) {
            RED.popover.tooltip(button, title);
        } else {
            button.attr("title", title);
        }
        return button;
    }

    function accountNote(node, accountId) {
        var cfg = RED.nodes.node(accountId);
        // an account that was added or changed in this editor session answers with its deployed settings
        return cfg && cfg.changed ? tr(node, "devicecloud.picker.undeployedChanges") : "";
    }

    /**
     * A button beside a TypedInput that opens a paged list of one of the chosen account's collections (the
     * admin route devicecloud/accounts/<id>/<what>); picking an entry sets the TypedInput to a fixed "str" id.
     * kind: { what: "devices" | "locations", icon, buttonKey, emptyKey, notDeployedKey, search: bool }
     */
    function attachAccountListPicker(node, inputSelector, options, kind) {
        var opts = options || {};
        var accountSelector = opts.account || "#node-input-account";
        var input = $(inputSelector);
        if (!input.length) {
            return null;
        }
        var button = addButton(node, input, kind.icon, kind.buttonKey);
        var panel = createListPanel({
            node: node,
            row: input.closest(".form-row"),
            search: kind.search,
            searchPlaceholder: kind.search ? tr(node, "devicecloud.picker.search") : "",
            emptyKey: kind.emptyKey,
            notDeployedKey: kind.notDeployedKey,
            precheck: function () {
                return selectedAccount(accountSelector) ? "" : tr(node, "devicecloud.picker.noAccount");
            },
            request: function (query, cursor) {
                var data = {};
                if (query) {
                    data.q = query;
                }
                if (cursor) {
                    data.cursor = cursor;
                }
                return {
                    url: "devicecloud/accounts/" + encodeURIComponent(selectedAccount(accountSelector)) + "/" + kind.what,
                    data: data
                };
            },
            format: function (item) {
                var id = item && item.id !== undefined && item.id !== null ? String(item.id) : "";
                return { id: id, label: item && item.name ? String(item.name) : "" };
            },
            onPick: function (item) {
                input.typedInput("type", "str");
                input.typedInput("value", String(item.id));
                input.trigger("change");
            }
        });
        button.on("click", function (evt) {
            evt.preventDefault();
            panel.toggle();
            var accountId = selectedAccount(accountSelector);
            if (panel.isOpen() && accountId) {
                var hint = accountNote(node, accountId);
                if (hint) {
                    RED.notify(hint, { type: "warning", timeout: 4000 });
                }
            }
        });
        $(accountSelector).on("change", function () {
            panel.reload();
        });
        return panel;
    }

    /**
     * Adds a search button beside a deviceId TypedInput (call it after .typedInput()): a searchable, paged list
     * of the chosen account's devices. options: { account: selector of the account select (default "#node-input-account") }
     */
    function attachDevicePicker(node, inputSelector, options) {
        return attachAccountListPicker(node, inputSelector, options, {
            what: "devices",
            icon: "fa-search",
            buttonKey: "devicecloud.picker.devicesButton",
            emptyKey: "devicecloud.picker.noDevices",
            notDeployedKey: "devicecloud.picker.notDeployed",
            search: true
        });
    }

    /**
     * Adds a pick button beside a locationId TypedInput: a paged list of the account's Flatpeak locations (GET
     * /locations, with the locations its devices name). options: as attachDevicePicker
     */
    function attachLocationPicker(node, inputSelector, options) {
        return attachAccountListPicker(node, inputSelector, options, {
            what: "locations",
            icon: "fa-map-marker",
            buttonKey: "devicecloud.picker.locationsButton",
            emptyKey: "devicecloud.picker.noLocations",
            notDeployedKey: "devicecloud.picker.notDeployedLocations",
            search: false
        });
    }

    /**
     * Adds a pick button beside a metafieldId TypedInput. It lists the metafields of the device named in the
     * deviceId TypedInput (only when that is a fixed "str" id); picking one sets the TypedInput to "num".
     * options: { account: selector, deviceId: selector of the deviceId TypedInput (default "#node-input-deviceId") }
     */
    /**
     * A pick button and a list of what one Blynk device has (its metafields) or its template has (datastreams,
     * events), from the admin route `devicecloud/accounts/:id/<route>?deviceId=`. The device must be a fixed id.
     * kind: { route, icon, buttonKey, emptyKey, notDeployedKey, needKey, format(item) → {id, label},
     *         pick(item) → {type, value} }
     */
    function attachDeviceListPicker(node, inputSelector, options, kind) {
        var opts = options || {};
        var accountSelector = opts.account || "#node-input-account";
        var deviceSelector = opts.deviceId || "#node-input-deviceId";
        var input = $(inputSelector);
        if (!input.length) {
            return null;
        }
        function deviceId() {
            var d = $(deviceSelector);
            if (d.typedInput("type") !== "str") {
                return "";
            }
            return String(d.typedInput("value") || "").trim();
        }
        var button = addButton(node, input, kind.icon, kind.buttonKey);
        var panel = createListPanel({
            node: node,
            row: input.closest(".form-row"),
            search: false,
            emptyKey: kind.emptyKey,
            notDeployedKey: kind.notDeployedKey,
            precheck: function () {
                if (!selectedAccount(accountSelector)) {
                    return tr(node, "devicecloud.picker.noAccount");
                }
                if (!deviceId()) {
                    return tr(node, kind.needKey);
                }
                return "";
            },
            request: function () {
                return {
                    url: "devicecloud/accounts/" + encodeURIComponent(selectedAccount(accountSelector)) + "/" + kind.route,
                    data: { deviceId: deviceId() }
                };
            },
            format: kind.format,
            onPick: function (item) {
                var picked = kind.pick(item);
                input.typedInput("type", picked.type);
                input.typedInput("value", picked.value);
                input.trigger("change");
            }
        });
        button.on("click", function (evt) {
            evt.preventDefault();
            panel.toggle();
        });
        $(accountSelector).on("change", function () {
            panel.reload();
        });
        $(deviceSelector).on("change", function () {
            panel.reload();
        });
        return panel;
    }

    /** "name · type" (either may be missing). */
    function withType(name, type) {
        var label = name ? String(name) : "";
        if (type) {
            label = label ? label + " \u00b7 " + type : String(type);
        }
        return label;
    }

    function attachMetafieldPicker(node, inputSelector, options) {
        return attachDeviceListPicker(node, inputSelector, options, {
            route: "metafields",
            icon: "fa-list-ul",
            buttonKey: "devicecloud.picker.metafieldsButton",
            emptyKey: "devicecloud.picker.noMetafields",
            notDeployedKey: "devicecloud.picker.notDeployedMetafields",
            needKey: "devicecloud.picker.needDeviceId",
            format: function (item) {
                var id = item && item.id !== undefined && item.id !== null ? String(item.id) : "";
                return { id: id, label: withType(item && item.name, item && item.type) };
            },
            pick: function (item) {
                return { type: "num", value: String(item.id) };
            }
        });
    }

    /** Datastreams of the device's template as "V5 · label · type"; a virtual pin is picked as its pin. */
    function attachDatastreamPicker(node, inputSelector, options) {
        return attachDeviceListPicker(node, inputSelector, options, {
            route: "datastreams",
            icon: "fa-list-ul",
            buttonKey: "devicecloud.picker.datastreamsButton",
            emptyKey: "devicecloud.picker.noDatastreams",
            notDeployedKey: "devicecloud.picker.notDeployedDatastreams",
            needKey: "devicecloud.picker.needDeviceIdTemplate",
            format: function (item) {
                var id = item && item.pin ? String(item.pin) : item && item.id !== undefined ? String(item.id) : "";
                return { id: id, label: withType(item && item.name, item && item.type) };
            },
            pick: function (item) {
                return item.pin ? { type: "str", value: String(item.pin) } : { type: "num", value: String(item.id) };
            }
        });
    }

    /** Events of the device's template that have a code (the route leaves out the others). */
    function attachEventPicker(node, inputSelector, options) {
        return attachDeviceListPicker(node, inputSelector, options, {
            route: "events",
            icon: "fa-list-ul",
            buttonKey: "devicecloud.picker.eventsButton",
            emptyKey: "devicecloud.picker.noEvents",
            notDeployedKey: "devicecloud.picker.notDeployedEvents",
            needKey: "devicecloud.picker.needDeviceIdTemplate",
            format: function (item) {
                return { id: item && item.id ? String(item.id) : "", label: withType(item && item.name, item && item.type) };
            },
            pick: function (item) {
                return { type: "str", value: String(item.id) };
            }
        });
    }

    /** Node-RED's form of an environment variable in a property; the runtime replaces it, so the editor lets it be. */
    function isEnvVar(value) {
        return /^\$\{\S+\}$/.test(String(value === undefined || value === null ? "" : value).trim());
    }

    window.DeviceCloudEditor = {
        version: 1,
        isEnvVar: isEnvVar,
        deviceIdTypes: ["msg", "flow", "global", "str", "env"],
        providerOf: providerOf,
        selectedAccount: selectedAccount,
        validateAccount: validateAccount,
        unsupportedMessage: unsupportedMessage,
        watchProvider: watchProvider,
        attachDevicePicker: attachDevicePicker,
        attachMetafieldPicker: attachMetafieldPicker,
        attachLocationPicker: attachLocationPicker,
        attachDatastreamPicker: attachDatastreamPicker,
        attachEventPicker: attachEventPicker,
        errorText: errorText
    };
})(window, window.jQuery);
