// agentflow VS Code extension: starts the agentflow language server (`agentflow lsp`)
// over stdio. Highlighting comes from the TextMate grammar and works without the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("agentflow");
  const command = config.get("server.path", "agentflow") || "agentflow";
  const args = config.get("server.args", ["lsp"]);
  const executable = { command, args, transport: TransportKind.stdio };
  return { run: executable, debug: executable };
}

async function start(context) {
  client = new LanguageClient(
    "agentflow",
    "agentflow language server",
    serverOptions(),
    {
      documentSelector: [{ scheme: "file", language: "agentflow" }, { scheme: "untitled", language: "agentflow" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.agentflow"),
      },
    },
  );
  try {
    await client.start();
  } catch (error) {
    vscode.window.showWarningMessage(
      `agentflow: could not start the language server (${error.message || error}). ` +
        "Install agentflow or set `agentflow.server.path`; highlighting still works.",
    );
  }
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

async function activate(context) {
  await start(context);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("agentflow.server")) {
        if (client) {
          await client.stop().catch(() => undefined);
        }
        await start(context);
      }
    }),
  );
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
