/* global RED */
/*
 * Shared editor code of @devicecloud/node-red-devicecloud.
 *
 * Node-RED serves this file from the module's top-level resources/ folder at the relative url
 * resources/@devicecloud/node-red-devicecloud/devicecloud-editor.js. Every node's .html includes it, and the
 * editor runs a node's <script src> before its inline scripts: at a page load the account's html comes first
 * (package.json's order), but a palette install or enable fetches the node sets at once, in any order. So each
 * node may use DeviceCloudEditor when it registers; the file defines itself only the first time.
 *
 * window.DeviceCloudEditor = {
 *     registerType(type, def)                  registers a flow node with what they all share (account, labels…),
 *                                              and its dialog from def.form, a list of form.* entries
 *     validators.typed / typedLiteral / oneOf / pattern / number / count / offered   validators of node properties
 *     showDefaults(node, defaults, prefix)     a dialog's fields show their defaults where the node lacks the property
 *     validateAccount(node, value, operation)  the validator of the `account` property
 *     watchProvider(node, operation, tipKey)   a warning row while the account's cloud lacks the operation
 *     offersOf(provider)                       { operations, manageActions, watchKinds } of a cloud, from the runtime, or null
 *     notOffered(node, accountId, list, value, label)   "" or the message: the account's cloud lacks value in offers[list]
 *     providerOf(accountId), selectedAccount() "flatpeak" | "blynk" | null; the account chosen in the dialog
 *     typedField(name, defaultType, types)     #node-input-<name> as a TypedInput typed by #node-input-<name>Type
 *     idField(node, "deviceId" | "locationId") an id TypedInput with the account's devices or locations picker
 *     attachPicker(node, selector, what)       the picker of devices, locations, metafields, datastreams, events
 *     wholeNumber(min, max)                    a typedLiteral test: a whole number from min to max (2^31-1): an id
 *     isEnvVar(value)                          true for "${NAME}", which the runtime replaces (any field)
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
     * Which cloud offers what, as the clients declare it: the account node exports the setting
     * devicecloudAccountOffers, { <provider>: { operations: [...], manageActions: [...] } }. null while the
     * editor does not know (no such setting or provider): then nothing is refused.
     */
    function offersOf(provider) {
        var all = RED.settings.devicecloudAccountOffers;
        return (all && all[provider]) || null;
    }

    function operationOf(node, operation) {
        return typeof operation === "function" ? operation(node) : operation;
    }

    /**
     * "" when the account's cloud offers `value` among its offers[list] (operations, manageActions, watchKinds),
     * or no value is asked, or the cloud is not known yet; else the message naming the value (label(): its
     * text) and the cloud: the short form for a validator (shown in the list of invalid properties), a sentence
     * (key devicecloud.errors.unsupportedWarning) for the warning row of the dialog.
     */
    function notOffered(node, accountId, list, value, label, sentence) {
        var provider = providerOf(accountId);
        var offers = offersOf(provider);
        if (!value || !offers || !offers[list] || offers[list].indexOf(value) !== -1) {
            return "";
        }
        return tr(node, sentence ? "devicecloud.errors.unsupportedWarning" : "devicecloud.errors.unsupported", {
            operation: label(),
            provider: PROVIDER_NAMES[provider]
        });
    }

    /** notOffered for the node's operation, named by the node's palette label. */
    function unsupportedMessage(node, accountId, operation, sentence) {
        return notOffered(node, accountId, "operations", operation, function () {
            var type = node && (node.type || (node._def && node._def.type));
            return tr(node, type + ".paletteLabel");
        }, sentence);
    }

    /**
     * Validator of the `account` property of a flow node: an account must be chosen, it must exist and be
     * valid, and its provider must offer `operation` (a name, or a function of the node giving one; none: any
     * provider). Returns true or a message (Node-RED 3+ shows it beside the invalid triangle).
     */
    function validateAccount(node, value, operation) {
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
        return unsupportedMessage(node, value, operationOf(node, operation)) || true;
    }

    /**
     * A warning row below the account row that says, while the chosen account's cloud lacks the node's
     * operation, that it does, followed by the node's tip (tipKey, optional). Returns its update function.
     */
    function watchProvider(node, operation, tipKey) {
        var account = $("#node-input-account");
        var row = $('<div class="form-row form-tips devicecloud-provider-warning"></div>')
            .append('<i class="fa fa-exclamation-triangle" style="color: var(--red-ui-text-color-warning, #CAB200);"></i> ')
            .insertAfter(account.closest(".form-row"))
            .hide();
        var text = $('<span class="devicecloud-provider-warning-text"></span>').appendTo(row);
        if (tipKey) {
            row.append(" ").append($("<span>").text(tr(node, tipKey)));
        }
        function update() {
            var msg = unsupportedMessage(node, selectedAccount(), operationOf(node, operation), true);
            text.text(msg);
            row.toggle(!!msg);
            RED.tray.resize();
        }
        account.on("change", update);
        update();
        return update;
    }

    /** Whether a value is missing: an older or hand-written flow, where the runtime uses its default. */
    function missing(v) {
        return v === undefined || v === null;
    }
    function blank(v) {
        return missing(v) || v === "";
    }

    /**
     * Validators of the flow nodes' properties. A missing value passes (the runtime uses its default); a wrong
     * one answers with the node's message under `key`. Each takes (v, opt): Node-RED shows the message of a
     * validator of two parameters, and reads any other's answer as true or false.
     */
    var validators = {
        /**
         * a TypedInput property; blank: the runtime's fallback (msg.payload, the node's default), unless
         * emptyIsAValue (a value property, where "" names msg[""] or the empty string)
         */
        typed: function (typeField, emptyIsAValue) {
            var check = RED.validators.typedInput(typeField);
            return function (v, opt) {
                return (emptyIsAValue ? missing(v) : blank(v)) || check.call(this, v, opt);
            };
        },
        /**
         * a TypedInput property whose fixed value must also pass the test of its type (tests: { <type>: RegExp
         * or function(string) }), e.g. an id that is a number
         */
        typedLiteral: function (typeField, defaultType, tests, key) {
            var typed = validators.typed(typeField);
            return function (v, opt) {
                var test = tests[$("#node-input-" + typeField).val() || this[typeField] || defaultType];
                if (blank(v) || !test) {
                    return typed.call(this, v, opt);
                }
                return (test.test ? test.test(String(v)) : test(String(v))) || this._(key);
            };
        },
        /** one of a select's values; blank is the runtime's default */
        oneOf: function (values, key) {
            return function (v, _opt) {
                return blank(v) || values.indexOf(v) !== -1 || this._(key);
            };
        },
        /** free text that must match re once trimmed; blank means none */
        pattern: function (re, key) {
            var check = RED.validators.regex(re);
            return function (v, _opt) {
                return blank(v) || check(String(v).trim()) || this._(key);
            };
        },
        /** a number that passes test(n, node); emptied (""), it is wrong unless allowEmpty */
        number: function (key, test, allowEmpty) {
            return function (v, _opt) {
                var n = Number(v);
                return missing(v) || (allowEmpty && v === "") ||
                    (String(v).trim() !== "" && isFinite(n) && test(n, this)) || this._(key);
            };
        },
        /** a whole number of 0 or more (a count, 0 = all) */
        count: function (key) {
            return validators.number(key, function (n) {
                return n >= 0 && Math.floor(n) === n;
            });
        },
        /**
         * a choice (checked first by `check`) that the account's cloud must offer as well: one of its
         * offers[list] (manageActions, watchKinds); else the message names the choice (labelKey(value), its
         * text) and the cloud, as the runtime's UNSUPPORTED would
         */
        offered: function (list, check, labelKey) {
            return function (v, opt) {
                var node = this;
                var checked = check.call(node, v, opt);
                if (checked !== true || blank(v)) {
                    return checked;
                }
                return notOffered(node, selectedAccount() || node.account, list, v, function () {
                    return tr(node, labelKey(v));
                }) || true;
            };
        }
    };

    /**
     * Shows its default in each field that the node lacks (a property missing from an older or hand-written
     * flow, where the runtime uses the default): Node-RED fills a dialog from the node's properties, so the field
     * would show empty and be saved as "", which a number's validator refuses. prefix: "node-input-" or
     * "node-config-input-".
     */
    function showDefaults(node, defaults, prefix) {
        Object.keys(defaults).forEach(function (name) {
            var d = defaults[name];
            if (node[name] !== undefined || d.type || d.value === undefined || d.value === "") {
                return;
            }
            var input = $("#" + prefix + name);
            if (input.is(":checkbox")) {
                input.prop("checked", !!d.value);
            } else {
                input.val(d.value);
            }
        });
    }

    var SHARED_KEY = SHARED_CATALOGUE + ":devicecloud.";
    var WARNING_ICON = {
        warning: '<i class="fa fa-exclamation-triangle" style="color: var(--red-ui-text-color-warning, #CAB200);"></i>',
        error: '<i class="fa fa-exclamation-triangle" style="color: var(--red-ui-text-color-error, #AD1625);"></i>'
    };

    function attr(name, value) {
        return value ? " " + name + '="' + value + '"' : "";
    }
    function div(classes, inner, more) {
        return "<div" + attr("class", classes) + (more || "") + ">" + (inner || "") + "</div>";
    }

    /** The control of one property: a select, a checkbox, or a text input (typed: with its hidden type field). */
    function control(type, f) {
        var id = "node-input-" + f.name;
        if (f.kind === "select") {
            return "<select" + attr("id", id) + attr("style", "width: " + (f.width || "70%") + ";") + ">" +
                f.options.map(function (o) {
                    var value = Array.isArray(o) ? o[0] : o;
                    return '<option value="' + value + '"' + attr("data-i18n", type + "." + f.name + "." + (Array.isArray(o) ? o[1] : o)) + "></option>";
                }).join("") + "</select>";
        }
        if (f.kind === "check") {
            return '<label>&nbsp;</label> <input type="checkbox"' + attr("id", id) +
                ' style="display: inline-block; width: auto; vertical-align: top;"> ' +
                '<label for="' + id + '" style="width: auto;"' + attr("data-i18n", type + ".label." + f.name) + "></label>";
        }
        var width = f.width || (f.kind === "number" ? "80px" : f.picker ? "calc(70% - 40px)" : "70%");
        var list = f.list ? type + "-" + f.name + "-values" : "";
        return '<input type="text"' + attr("id", id) + attr("list", list) + attr("style", "width: " + width + ";") +
            attr("data-i18n", f.placeholder ? "[placeholder]" + type + ".placeholder." + f.name : "") + ">" +
            (f.kind === "typed" ? ' <input type="hidden"' + attr("id", id + "Type") + ">" : "") +
            (list ? " <datalist" + attr("id", list) + ">" + f.list.map(function (v) {
                return '<option value="' + v + '"></option>';
            }).join("") + "</datalist>" : "");
    }

    /**
     * The rows of one entry of a form: a field (label, control, the unit or a second control after it) and its
     * tip, or a tip, or a warning alone. Keys come from the node's catalogue: <type>.label.<name>,
     * <type>.placeholder.<name>, <type>.<name>.<option>, <type>.tip.<tip>.
     */
    function formRows(type, f) {
        var tipKey = f.sharedTip ? SHARED_KEY + "tip." + f.sharedTip : type + ".tip." + f.tip;
        var tip = f.tip || f.sharedTip ? div("form-row form-tips" + (f.tipRow !== undefined ? f.tipRow ? " " + f.tipRow : "" : f.row ? " " + f.row : ""), "",
            attr("data-i18n", (f.html ? "[html]" : "") + tipKey)) : "";
        if (f.kind === "tip") {
            return tip;
        }
        var hidden = f.hidden ? ' style="display: none;"' : "";
        if (f.kind === "warning") {
            return div("form-row form-tips " + f.row, WARNING_ICON[f.level || "warning"] + " <span" +
                attr("data-i18n", f.text ? type + ".tip." + f.text : "") + "></span>", hidden);
        }
        var label = f.kind === "check" ? "" : '<label for="node-input-' + f.name + '"><i class="fa ' + f.icon + '"></i> <span' +
            attr("data-i18n", f.label || type + ".label." + f.name) + "></span></label>";
        var after = f.unit ? " <span" + (f.unit.charAt(0) === "." ? attr("class", f.unit.slice(1)) : attr("data-i18n", type + ".label." + f.unit)) + "></span>"
            : f.with ? " " + control(type, f.with) : "";
        return div("form-row" + (f.row ? " " + f.row : ""), (label ? label + " " : "") + control(type, f) + after, hidden) + tip;
    }

    /** The account row every dialog starts with, the name row it ends with. */
    var ACCOUNT_ROW = div("form-row", '<label for="node-input-account"><i class="fa fa-cloud"></i> <span' +
        attr("data-i18n", SHARED_KEY + "label.account") + '></span></label> <input type="text" id="node-input-account">');
    var NAME_ROW = div("form-row", '<label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="node-red:common.label.name"></span></label> ' +
        '<input type="text" id="node-input-name" style="width: 70%;" data-i18n="[placeholder]node-red:common.label.name">');

    /**
     * Field builders for a form: form(type) gives entries whose markup formRows writes. Each takes the
     * property's name, and options: icon, row (classes of the row, and of its tip unless tipRow), tip (the key
     * under <type>.tip), html (the tip holds markup), placeholder, picker (room for a picker button), width,
     * hidden, unit (a key under <type>.label, or ".class" of an empty span), with (a second control in the row).
     */
    var form = {
        text: function (name, icon, o) {
            return $.extend({ kind: "text", name: name, icon: icon }, o);
        },
        typed: function (name, icon, o) {
            return $.extend({ kind: "typed", name: name, icon: icon }, o);
        },
        number: function (name, icon, unit, o) {
            return $.extend({ kind: "number", name: name, icon: icon, unit: unit }, o);
        },
        select: function (name, icon, options, o) {
            return $.extend({ kind: "select", name: name, icon: icon, options: options }, o);
        },
        check: function (name, o) {
            return $.extend({ kind: "check", name: name }, o);
        },
        tip: function (tip, row, o) {
            return $.extend({ kind: "tip", tip: tip, row: row }, o);
        },
        /** a warning row (the triangle and <type>.tip.<text>, or an empty span the dialog fills) */
        warning: function (row, text, o) {
            return $.extend({ kind: "warning", row: row, text: text }, o);
        },
        /** the device of the account: a TypedInput with the picker, and the shared tip unless o.tip */
        deviceId: function (o) {
            return $.extend({ kind: "typed", name: "deviceId", icon: "fa-microchip", picker: true,
                label: SHARED_KEY + "label.deviceId", sharedTip: o && o.tip ? "" : "deviceId" }, o);
        }
    };

    /** The template of a flow node's dialog (Node-RED reads it when the dialog opens): account, rows, name. */
    function addTemplate(type, entries) {
        var html = ACCOUNT_ROW + entries.map(function (f) {
            return formRows(type, f);
        }).join("") + NAME_ROW;
        // a node set enabled again registers again: one template per type
        $('script[data-template-name="' + type + '"]').remove();
        $('<script type="text/html">').attr("data-template-name", type).text(html).appendTo("body");
    }

    /**
     * Registers a flow node of the package with what they all share: the name and the account properties
     * (first, in that order, as saved flows have them), the palette label, the italic label of a named node,
     * and the port labels of its catalogue (inputLabel, outputLabel) unless def brings its own. Each node's
     * html names its category, colour, ports and icon itself, as literals in a registerType call with a literal
     * type: that is what the Flow Library's scorecard reads to learn a package's node types. def.operation: what
     * the account's cloud must offer (a key of the offers, or a function of the node giving one); none: any
     * account. def.idField ("deviceId" or "locationId"): the node's first property after the account is that
     * id, with its type, its row first in the dialog and its picker (see idField). def.form: the dialog's rows
     * between account and name.
     */
    function registerType(type, def) {
        var operation = def.operation;
        var defaults = {
            name: { value: "" },
            account: {
                value: "",
                type: ACCOUNT_TYPE,
                required: true,
                validate: function (v, _opt) {
                    return validateAccount(this, v, operation);
                }
            }
        };
        var id = def.idField;
        if (id) {
            defaults[id] = { value: id, validate: validators.typed(id + "Type") };
            defaults[id + "Type"] = { value: "msg" };
        }
        var full = $.extend({
            paletteLabel: function () {
                return this._(type + ".paletteLabel");
            },
            labelStyle: function () {
                return this.name ? "node_label_italic" : "";
            },
            inputLabels: function () {
                return this._(type + ".inputLabel");
            },
            outputLabels: function () {
                return this._(type + ".outputLabel");
            }
        }, def, { defaults: $.extend(defaults, def.defaults) });
        full.oneditprepare = function () {
            showDefaults(this, full.defaults, "node-input-");
            if (id) {
                idField(this, id);
            }
            if (def.oneditprepare) {
                def.oneditprepare.call(this);
            }
        };
        delete full.operation;
        delete full.idField;
        delete full.form;
        addTemplate(type, (id ? [id === "deviceId" ? form.deviceId() : form.typed(id, "fa-map-marker", { picker: true, tip: id })] : [])
            .concat(def.form || []));
        RED.nodes.registerType(type, full);
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

    /** "name · type" (either may be missing). */
    function withType(name, type) {
        var label = name ? String(name) : "";
        if (type) {
            label = label ? label + " \u00b7 " + type : String(type);
        }
        return label;
    }

    function idOf(item) {
        return item && item.id !== undefined && item.id !== null ? String(item.id) : "";
    }
    function named(item) {
        return { id: idOf(item), label: item && item.name ? String(item.name) : "" };
    }
    function typedLabel(item) {
        return { id: idOf(item), label: withType(item && item.name, item && item.type) };
    }
    function asString(item) {
        return { type: "str", value: idOf(item) };
    }

    /**
     * What each picker lists: the admin route devicecloud/accounts/<id>/<route>, its texts (keys under
     * devicecloud.picker.), how an entry reads (format) and what picking it puts in the TypedInput (pick).
     * A picker with needKey lists what one device has (or its template has): the device field must hold a
     * fixed id, sent as ?deviceId=.
     */
    var PICKERS = {
        devices: { icon: "fa-search", search: true, button: "devicesButton", empty: "noDevices",
            notDeployed: "notDeployed", format: named, pick: asString },
        locations: { icon: "fa-map-marker", button: "locationsButton", empty: "noLocations",
            notDeployed: "notDeployedLocations", format: named, pick: asString },
        metafields: { icon: "fa-list-ul", button: "metafieldsButton", empty: "noMetafields",
            notDeployed: "notDeployedMetafields", needKey: "needDeviceId", format: typedLabel,
            pick: function (item) {
                return { type: "num", value: idOf(item) };
            } },
        // "V5 · label · type": a datastream with a virtual pin is picked as its pin
        datastreams: { icon: "fa-list-ul", button: "datastreamsButton", empty: "noDatastreams",
            notDeployed: "notDeployedDatastreams", needKey: "needDeviceIdTemplate",
            format: function (item) {
                var f = typedLabel(item);
                return { id: item && item.pin ? String(item.pin) : f.id, label: f.label };
            },
            pick: function (item) {
                return item.pin ? { type: "str", value: String(item.pin) } : { type: "num", value: idOf(item) };
            } },
        // only events with a code: the route leaves out the others
        events: { icon: "fa-list-ul", button: "eventsButton", empty: "noEvents",
            notDeployed: "notDeployedEvents", needKey: "needDeviceIdTemplate", format: typedLabel, pick: asString }
    };

    /**
     * A button beside a TypedInput (call it after .typedInput()) that opens a paged list of what the chosen
     * account has (devices, locations) or what one of its devices has (metafields, datastreams, events); picking
     * an entry sets the TypedInput. what: a key of PICKERS.
     * options: { account: selector of the account select, deviceId: selector of the device TypedInput }
     */
    function attachPicker(node, inputSelector, what, options) {
        var kind = PICKERS[what];
        var opts = options || {};
        var accountSelector = opts.account || "#node-input-account";
        var deviceSelector = opts.deviceId || "#node-input-deviceId";
        var input = $(inputSelector);
        if (!input.length) {
            return null;
        }
        function deviceId() {
            var d = $(deviceSelector);
            return d.typedInput("type") === "str" ? String(d.typedInput("value") || "").trim() : "";
        }
        var button = addButton(node, input, kind.icon, "devicecloud.picker." + kind.button);
        var panel = createListPanel({
            node: node,
            row: input.closest(".form-row"),
            search: !!kind.search,
            searchPlaceholder: kind.search ? tr(node, "devicecloud.picker.search") : "",
            emptyKey: "devicecloud.picker." + kind.empty,
            notDeployedKey: "devicecloud.picker." + kind.notDeployed,
            precheck: function () {
                if (!selectedAccount(accountSelector)) {
                    return tr(node, "devicecloud.picker.noAccount");
                }
                return kind.needKey && !deviceId() ? tr(node, "devicecloud.picker." + kind.needKey) : "";
            },
            request: function (query, cursor) {
                var data = {};
                if (query) {
                    data.q = query;
                }
                if (cursor) {
                    data.cursor = cursor;
                }
                if (kind.needKey) {
                    data.deviceId = deviceId();
                }
                return {
                    url: "devicecloud/accounts/" + encodeURIComponent(selectedAccount(accountSelector)) + "/" + what,
                    data: data
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
            var accountId = selectedAccount(accountSelector);
            var hint = panel.isOpen() && accountId ? accountNote(node, accountId) : "";
            if (hint) {
                RED.notify(hint, { type: "warning", timeout: 4000 });
            }
        });
        $(accountSelector).on("change", panel.reload);
        if (kind.needKey) {
            $(deviceSelector).on("change", panel.reload);
        }
        return panel;
    }

    /** The TypedInput types of an id field (device, location): a fixed id, or where the message keeps it. */
    var ID_TYPES = ["msg", "flow", "global", "str", "env"];

    /** Makes the input #node-input-<name> a TypedInput whose type is kept in #node-input-<name>Type. */
    function typedField(name, defaultType, types) {
        return $("#node-input-" + name).typedInput({
            default: defaultType,
            types: types,
            typeField: "#node-input-" + name + "Type"
        });
    }

    /**
     * The id field of a device (name "deviceId") or a location ("locationId"): a TypedInput of ID_TYPES, msg by
     * default, with the picker of the account's devices or locations beside it.
     */
    function idField(node, name) {
        typedField(name, "msg", ID_TYPES);
        return attachPicker(node, "#node-input-" + name, name === "locationId" ? "locations" : "devices");
    }

    /** The largest id the runtime takes (api/checks.ts): Blynk's ids are 32-bit signed integers. */
    var INT32_MAX = 2147483647;

    /**
     * A test of a typed field's fixed text: a whole number from min to max (default INT32_MAX), as the runtime's id
     * checks (api/checks.ts: wholeNumber, checkUserId).
     */
    function wholeNumber(min, max) {
        var most = max === undefined ? INT32_MAX : max;
        return function (s) {
            var t = String(s).trim();
            return /^\d{1,16}$/.test(t) && Number(t) >= min && Number(t) <= most;
        };
    }

    /** Node-RED's form of an environment variable in a property; the runtime replaces it, so the editor lets it be. */
    function isEnvVar(value) {
        return /^\$\{\S+\}$/.test(String(value === undefined || value === null ? "" : value).trim());
    }

    window.DeviceCloudEditor = {
        registerType: registerType,
        form: form,
        validators: validators,
        validateAccount: validateAccount,
        showDefaults: showDefaults,
        notOffered: notOffered,
        watchProvider: watchProvider,
        offersOf: offersOf,
        providerOf: providerOf,
        selectedAccount: selectedAccount,
        typedField: typedField,
        idField: idField,
        attachPicker: attachPicker,
        wholeNumber: wholeNumber,
        isEnvVar: isEnvVar
    };
})(window, window.jQuery);
