/// How the KL term's weight moves during training, as a multiple of beta:
/// against posterior collapse, the decoder first learns to use z while the
/// KL term is small, then the full objective takes over.
public enum KLSchedule: Sendable, Equatable {
  /// beta throughout.
  case constant
  /// KL warm-up (Bowman et al. 2016, "Generating sentences from a continuous
  /// space"; Sønderby et al. 2016): the weight rises linearly from 0 to 1 over
  /// the first `steps` steps, then stays at 1.
  case linear(steps: Int)
  /// Cyclical annealing (Fu et al. 2019, "Cyclical annealing schedule"):
  /// cycles of `period` steps, in each a linear rise from 0 to 1 over the
  /// first half, then 1 for the second half (their R = 0.5).
  case cyclical(period: Int)

  /// The weight of the KL term in the step after `steps` steps, in [0, 1].
  public func weight(afterSteps steps: Int) -> Double {
    switch self {
    case .constant: return 1
    case .linear(let length): return min(1, Double(steps) / Double(length))
    case .cyclical(let period):
      let position = Double(steps % period) / Double(period)
      return min(1, position / 0.5)
    }
  }

  /// `constant`, `linear:STEPS` or `cyclical:STEPS`, as `anneal=` takes it.
  public var text: String {
    switch self {
    case .constant: return "constant"
    case .linear(let steps): return "linear:\(steps)"
    case .cyclical(let period): return "cyclical:\(period)"
    }
  }

  /// The longest ramp or cycle accepted, in steps.
  public static let longest = 1_000_000_000

  /// Reads `text`'s form; nil for anything else, or a length outside 2 ... `longest`.
  public init?(text: String) {
    if text == "constant" {
      self = .constant
      return
    }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let length = Int(parts[1]), (2...Self.longest).contains(length) else { return nil }
    switch parts[0] {
    case "linear": self = .linear(steps: length)
    case "cyclical": self = .cyclical(period: length)
    default: return nil
    }
  }
}
