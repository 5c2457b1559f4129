import Foundation
import Testing

/// The interactive shell through a pseudo-terminal: prompts, completion,
/// Ctrl-C at the prompt and during long work, Ctrl-D, and the history file.
@Suite(.serialized)
struct InteractiveShellTests {
  func environment(home: String) -> [String: String] {
    [
      "TERM": "xterm", "HOME": home, "NO_COLOR": "1", "VAELAB_HISTORY": home + "/state/history",
      "PATH": "/usr/bin:/bin",
    ]
  }

  @Test func aSessionAtTheKeyboard() throws {
    let home = try TemporaryDirectory()
    let terminal = try PseudoTerminal(environment: environment(home: home.path))
    try terminal.waitFor("vaelab [1]> ")

    terminal.type("kl 2 1\r")
    var seen = try terminal.waitFor("= 2.000 nats")
    seen = try terminal.waitFor("vaelab [2]> ", after: seen)

    // Tab completes an argument name, then one of its values.
    terminal.type("kl 1 2 or\t")
    seen = try terminal.waitFor("order=", after: seen)
    terminal.type("b\t\r")
    seen = try terminal.waitFor("KL is not symmetric", after: seen)
    seen = try terminal.waitFor("vaelab [3]> ", after: seen)

    // Ctrl-C at the prompt abandons the line; the prompt number stays.
    terminal.type("sample 0 1")
    seen = try terminal.waitFor("sample 0 1", after: seen)
    terminal.type("\u{03}")
    seen = try terminal.waitFor("^C", after: seen)
    seen = try terminal.waitFor("vaelab [3]> ", after: seen)
    terminal.type("seed\r")
    seen = try terminal.waitFor("seed = 0", after: seen)
    seen = try terminal.waitFor("vaelab [4]> ", after: seen)

    // Ctrl-C during long work stops it at the next batch; the session goes on.
    terminal.type("sample n=1000000000\r")
    usleep(300_000)
    terminal.type("\u{03}")
    seen = try terminal.waitFor("error: interrupted (Ctrl-C); nothing was changed", after: seen)
    seen = try terminal.waitFor("vaelab [5]> ", after: seen)

    // A repeated line and a blank line do not enter the history; Ctrl-D leaves.
    terminal.type("seed 5\r")
    seen = try terminal.waitFor("vaelab [6]> ", after: seen)
    terminal.type("seed 5\r")
    seen = try terminal.waitFor("vaelab [7]> ", after: seen)
    terminal.type("   \r")
    seen = try terminal.waitFor("vaelab [7]> ", after: seen)
    terminal.type("\u{04}")
    #expect(try terminal.waitForExit() == 0)

    let history = try home.read("state/history").split(separator: "\n").map(String.init)
    #expect(history == ["kl 2 1", "kl 1 2 order=both", "seed", "sample n=1000000000", "seed 5"])
  }

  /// Training shows a live progress line; Ctrl-C stops it at a step boundary and the model stays usable.
  @Test func ctrlCStopsTraining() throws {
    let home = try TemporaryDirectory()
    let terminal = try PseudoTerminal(environment: environment(home: home.path))
    try terminal.waitFor("vaelab [1]> ")
    terminal.type("vae new shapes latent=2 hidden=32 seed=1\r")
    var seen = try terminal.waitFor("vaelab [2]> ")
    terminal.type("vae step 1000000\r")
    seen = try terminal.waitFor("steps/s", after: seen)
    terminal.type("\u{03}")
    seen = try terminal.waitFor("stopped by Ctrl-C after ", after: seen)
    seen = try terminal.waitFor("vaelab [3]> ", after: seen)
    terminal.type("vae show\r")
    seen = try terminal.waitFor("held-out", after: seen)
    terminal.type("quit\r")
    #expect(try terminal.waitForExit() == 0)
  }

  /// The exact values' quadrature polls Ctrl-C: a sweep of integrands it cannot
  /// resolve (minutes of work) stops at once, and the session goes on.
  @Test func ctrlCStopsTheQuadrature() throws {
    let home = try TemporaryDirectory()
    let terminal = try PseudoTerminal(environment: environment(home: home.path))
    try terminal.waitFor("vaelab [1]> ")
    terminal.type("grad sweep \"sin(k*z)\" 0 1e6 over=k from=1 to=2 count=101\r")
    usleep(500_000)
    let started = Date()
    terminal.type("\u{03}")
    var seen = try terminal.waitFor("error: interrupted (Ctrl-C); nothing was changed")
    #expect(Date().timeIntervalSince(started) < 5)
    seen = try terminal.waitFor("vaelab [2]> ", after: seen)
    terminal.type("seed\r")
    seen = try terminal.waitFor("seed = 0", after: seen)
    terminal.type("quit\r")
    #expect(try terminal.waitForExit() == 0)
  }

  /// With colour on, images are drawn in grey levels at the terminal, yet the
  /// saved notebook is plain and checks clean on the machine that saved it.
  @Test func aColourSessionSavesAPlainNotebookThatChecks() throws {
    let home = try TemporaryDirectory()
    var environment = environment(home: home.path)
    environment["NO_COLOR"] = nil
    let terminal = try PseudoTerminal(environment: environment)
    try terminal.waitFor("vaelab [1]> ")
    terminal.type("vae new shapes latent=2 hidden=16 seed=1; vae step 20; vae recon [0]; vae sample 2 seed=3\r")
    var seen = try terminal.waitFor("\u{1B}[48;5;")
    seen = try terminal.waitFor("vaelab [5]> ", after: seen)
    terminal.type("kl 0 -1\r")
    seen = try terminal.waitFor("\u{1B}[31merror:\u{1B}[0m sigma must be > 0", after: seen)
    terminal.type("save \(home.path)/colour.md\r")
    seen = try terminal.waitFor("saved 5 commands", after: seen)
    terminal.type("quit\r")
    #expect(try terminal.waitForExit() == 0)
    let notebook = try home.read("colour.md")
    #expect(!notebook.contains("\u{1B}"))
    #expect(notebook.contains("#0 input"))
    let check = try Binary.run(["check", home.path + "/colour.md"])
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }

  @Test func historyIsRecalledInTheNextSessionAndQuitLeaves() throws {
    let home = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: home.path + "/state", withIntermediateDirectories: true)
    try home.write("kl 0 0.5\n", to: "state/history")
    let terminal = try PseudoTerminal(environment: environment(home: home.path))
    try terminal.waitFor("vaelab [1]> ")
    terminal.type("\u{1B}[A\r")  // Up arrow recalls the last line; Enter runs it.
    let seen = try terminal.waitFor("= 0.318 nats")
    try terminal.waitFor("vaelab [2]> ", after: seen)
    terminal.type("quit\r")
    #expect(try terminal.waitForExit() == 0)
  }
}
