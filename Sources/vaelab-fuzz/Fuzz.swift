import Foundation
import Lab
import NeuralNet
import Probability

// libFuzzer targets for everything vaelab reads from outside: a command line
// through the whole engine, an expression, a lesson, and each data and
// checkpoint format. One binary; `VAELAB_FUZZ_TARGET` picks the target.
// Built and run by Tests/Fuzz/run; a crash, a trap or a sanitizer report is a
// finding.

/// What the fuzzer's bytes are fed to.
enum FuzzTarget: String, CaseIterable {
  /// Up to 8 lines run in one fresh session: tokenised, parsed, validated and
  /// executed, with files confined to a scratch directory and each input
  /// stopped (as by Ctrl-C) after 2 ms.
  case engine
  /// Parsed, compiled, and evaluated at a few points and on a batch.
  case expression
  /// Parsed as a lesson; each command's expected output is matched and diffed
  /// against itself and against a fixed output.
  case transcript
  case npy, csv, idx
  /// A checkpoint, loaded by `vae load` (so its metadata is validated too).
  case safetensors
  /// A lesson, then (after a `%%` line) up to 16 player lines: an empty line
  /// runs the command the lesson typed ahead as typed, and `lesson`, `next`,
  /// `back`, `again`, `hint`, `skip`, `solution` and one-word `answer`s are the
  /// student's. Property: nothing is written outside the lesson's own
  /// directory of files (`PlayerVictim`: no file appears in the working directory or
  /// the directory the seeds aim at).
  case player
  /// A lesson exported as a page. Property (`PageCheck`): the page holds no
  /// element or attribute outside what the exporter writes (no script, event
  /// handler, `javascript:` URL or outside load), and carries its CSP.
  case export

  static let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["VAELAB_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
      let names = allCases.map(\.rawValue).joined(separator: ", ")
      FileHandle.standardError.write(Data("vaelab-fuzz: set VAELAB_FUZZ_TARGET to one of \(names)\n".utf8))
      exit(2)
    }
    return target
  }()
}

/// The scratch directory the engine target's commands write into.
let scratch: FileAccess = {
  guard let access = try? FileAccess.confined(toLessonAt: NSTemporaryDirectory() + "fuzz.md") else {
    FileHandle.standardError.write(Data("vaelab-fuzz: cannot make a scratch directory\n".utf8))
    exit(2)
  }
  return access
}()

/// When the current input's commands are told to stop.
nonisolated(unsafe) var deadline = Date.distantFuture

/// libFuzzer's driver, run from our own entry point: SwiftPM links an
/// executable's `main` to `vaelab_fuzz_main`, so libFuzzer's `main` is not used.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("vaelab_fuzz_main")
public func fuzzMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var count = argc
  var arguments = argv
  return runDriver(&count, &arguments, fuzzOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  switch FuzzTarget.selected {
  case .engine: runEngine(bytes)
  case .expression: runExpression(bytes)
  case .transcript: runTranscript(bytes)
  case .npy: _ = try? DataLoader.load("f.npy", bytes: bytes)
  case .csv: _ = try? DataLoader.load("f.csv", bytes: bytes, labelColumn: bytes.first.map { $0 & 1 == 0 ? "0" : "y" })
  case .idx: _ = try? DataLoader.load(bytes.first == 0x1F ? "f.idx.gz" : "f.idx", bytes: bytes)
  case .safetensors: runCheckpoint(bytes)
  case .player: runPlayer(bytes)
  case .export: runExport(bytes)
  }
  return 0
}

func runEngine(_ bytes: [UInt8]) {
  deadline = Date().addingTimeInterval(0.002)
  var engine = Engine(session: Session(seed: 1, files: scratch, shouldStop: { Date() > deadline }))
  let text = String(decoding: bytes, as: UTF8.self)
  for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8) {
    for statement in Tokenizer.statements(String(line)) { _ = engine.execute(statement) }
  }
}

func runExpression(_ bytes: [UInt8]) {
  guard let expression = try? Expression(parsing: String(decoding: bytes, as: UTF8.self)),
    let compiled = try? CompiledExpression(expression, parameters: ["k": 1.5])
  else { return }
  for z in [-1e300, -3, -0.5, 0, 1e-300, 0.5, 2, 1e300, .nan] { _ = compiled.evaluate(at: z) }
  let z = (0..<64).map { Double($0) / 8 - 4 }
  var value = [Double](repeating: 0, count: z.count)
  var derivative = value
  var (valueRadius, derivativeRadius) = (value, value)
  let workspace = CompiledExpression.Workspace(for: compiled, capacity: 16)
  z.withUnsafeBufferPointer { input in
    value.withUnsafeMutableBufferPointer { v in
      derivative.withUnsafeMutableBufferPointer { d in
        compiled.evaluate(input, value: v, derivative: d, workspace: workspace)
        valueRadius.withUnsafeMutableBufferPointer { r in
          derivativeRadius.withUnsafeMutableBufferPointer { s in
            compiled.evaluate(
              input, value: v, derivative: d, radii: CompiledExpression.RoundingRadii(value: r, derivative: s),
              workspace: workspace)
          }
        }
      }
    }
  }
}

func runTranscript(_ bytes: [UInt8]) {
  guard let transcript = try? Transcript(parsing: String(decoding: bytes, as: UTF8.self), name: "f.md") else { return }
  let fixed = ["KL(q || p) = 0.318 nats", "", "  1  2.000  ..."]
  for command in transcript.commands.prefix(64) {
    _ = OutputMatcher.matches(expected: command.expected, actual: command.expected)
    _ = OutputMatcher.matches(expected: command.expected, actual: fixed)
  }
  // A small diff budget: a big one would spend seconds of every input on tables, not on new paths.
  var budget = 2_000
  for command in transcript.commands.prefix(64) {
    _ = LineDiff.lines(expected: command.expected, actual: fixed + command.expected.reversed(), budget: &budget)
  }
  _ = transcript.replacingExpectedOutputs(with: transcript.commands.map { _ in fixed })
}

func runCheckpoint(_ bytes: [UInt8]) {
  guard let directory = scratch.scratchDirectory else { return }
  let path = directory + "/f.safetensors"
  // Written plainly: Data.write syncs to disk, which took a third of each run.
  guard let file = fopen(path, "wb") else { return }
  let written = fwrite(bytes, 1, bytes.count, file)
  guard fclose(file) == 0, written == bytes.count else { return }
  deadline = Date().addingTimeInterval(0.05)
  var engine = Engine(session: Session(seed: 1, files: scratch, shouldStop: { Date() > deadline }))
  _ = engine.execute("vae load f.safetensors")
  _ = engine.execute("vae show")
}
