import Testing

@testable import Lab

/// Nothing a user types may crash the shell. Thousands of hostile command lines,
/// built from a seeded generator out of extreme numbers, malformed vectors and
/// quotes, stray names and every command, go through the engine; a trap would
/// kill the test process. Each line must either print or give an error.
struct RobustnessTests {
  static let words = [
    "0", "-0", "1", "-1", "2.5", "1e-300", "1e300", "-1e300", "1e100", "-1e100", "1e-100", "1e308", "4.9e-324",
    "1e-13", "inf", "-inf", "nan", "0x10", "1_0", "abc", "", "[]", "[0]", "[0, 1]", "[1,2,3]", "[1,,2]", "[", "]",
    "[[1]]", "[1e300, -1e300]", "\"", "'", "#", ";", "=", "==", "mu=", "=1", "9999999999999999999999",
  ]
  static let names = [
    "mu", "sigma", "logvar", "mu2", "sigma2", "logvar2", "order", "mc", "seed", "n", "show", "bins", "format",
    "precision", "command", "path", "x",
  ]
  static let values = ["qp", "pq", "both", "json", "text", "1", "100", "0", "-5", "1e9", "1e10", "12", "13", "2.5"]

  @Test func randomCommandLinesNeverCrash() {
    var generator = SplitMix(state: 2026)
    var engine = LessonRunner()
    let commands = CommandRegistry.withLessons.map(\.name).filter { $0 != "save" && $0 != "quit" } + ["kll", ""]
    for _ in 0..<3000 {
      var line = commands[generator.index(commands.count)]
      for _ in 0..<generator.index(6) {
        switch generator.index(3) {
        case 0: line += " " + Self.words[generator.index(Self.words.count)]
        case 1:
          line += " \(Self.names[generator.index(Self.names.count)])=\(Self.values[generator.index(Self.values.count)])"
        default:
          line += " \(Self.names[generator.index(Self.names.count)])=\(Self.words[generator.index(Self.words.count)])"
        }
      }
      // Keep each command quick: huge n or mc only cost time, and are tested elsewhere.
      if line.contains("=1e9") || line.contains("=1e10") { continue }
      let reply = engine.execute(line)
      #expect(reply.error != nil || !reply.output.contains("nan") || line.contains("format=json"), "\(line)")
    }
  }
}

/// The library's preconditions (equal dimensions, a histogram range wider than
/// zero, at least one hidden layer) sit behind the commands' own checks: each
/// line that would reach one gets a specific error instead, and the session goes on.
struct PreconditionGuardTests {
  @Test(arguments: [
    ("kl [1,2] [1]", "mu has 2 dimensions but sigma has 1"),
    ("kl [1,2] 1 mu2=[0,0,0]", "q has 2 dimensions but p has 3"),
    ("kl [1,2] 1 mu2=[0,0,0] mc=100", "q has 2 dimensions but p has 3"),
    ("sample [1,2] [1]", "mu has 2 dimensions but sigma has 1"),
    ("sample 1e100 1e-100", "sigma is too small next to mu"),
    ("sample logvar=-460 mu=-1e100", "sigma is too small next to mu"),
    ("vae new hidden=[]", "hidden: the vector is empty"),
    ("grad \"z^2\" 1 1 dim=1000000", "dim must be an integer from 1 to 1000"),
  ])
  func linesThatWouldReachAPreconditionGetAnError(line: String, message: String) {
    var engine = Engine()
    let error = engine.execute(line).error ?? ""
    #expect(error.hasPrefix(message), "\(line): \(error)")
    #expect(engine.execute("kl 2 1").error == nil)
  }
}

/// A tiny seeded generator for choosing test inputs.
struct SplitMix {
  var state: UInt64

  mutating func index(_ count: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((z ^ (z >> 31)) % UInt64(count))
  }
}
