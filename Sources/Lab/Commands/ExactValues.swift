import Probability

/// How `grad` and `grad sweep` show an exact value: its digits only when its
/// error bound is below half a unit of the last printed digit; `infinite` for a
/// variance whose second moment diverges; otherwise `-`. Each value not shown
/// gets a note saying which integral failed and how, or what error bound was
/// reached; values that share a reason share a note.
struct ExactValues {
  /// Why the quadrature stopped, for notes on values it could not certify.
  var stop: GaussKronrod.Stop
  var precision: Int
  /// Reasons in order of first use, each with the values it applies to.
  private var groups: [(reason: String, labels: [String])] = []
  /// When set, no exact value is shown, for this reason (the draws contradicted them).
  var withheld: String?
  /// The largest error bound of the values shown.
  private(set) var largestShownError = 0.0

  init(stop: GaussKronrod.Stop, precision: Int) {
    self.stop = stop
    self.precision = precision
  }

  /// One line per reason: `reason: label, label, ...`.
  var notes: [String] { groups.map { "\($0.reason): \($0.labels.joined(separator: ", "))" } }

  /// The printed cell for `estimate`; `label` names it in the notes. A variance
  /// is never shown negative.
  mutating func cell(_ estimate: Estimate, label: String, style: NumberFormat.Style, isVariance: Bool = false)
    -> String
  {
    if let withheld {
      note(withheld, label)
      return "-"
    }
    switch Self.judge(estimate, style: style, precision: precision, isVariance: isVariance) {
    case .value(let value):
      largestShownError = max(largestShownError, estimate.error)
      return NumberFormat.format(value, precision, style)
    case .infinite(let failure):
      note("infinite because \(failure)", label)
      return "infinite"
    case .failed(let failure):
      note("not shown because \(failure)", label)
      return "-"
    case .atMost(let bound):
      note("zero within its error bound, so only the bound is shown", label)
      return "≤ " + NumberFormat.scientific(bound, 1)
    case .overflow:
      note("not shown because it overflows a double on the way", label)
      return "-"
    case .negative:
      note("not shown because rounding made it negative beyond its error bound", label)
      return "-"
    case .uncertified(let error):
      note(
        "not shown because the error bound exceeds half a unit of the last printed digit\(stopText)",
        "\(label) (error bound \(NumberFormat.scientific(error)))")
      return "-"
    }
  }

  /// The value for JSON: a number when certified at the precision, "infinite", or null (see the notes).
  func json(_ estimate: Estimate, style: NumberFormat.Style, isVariance: Bool = false) -> ExactNumber {
    if withheld != nil { return .unavailable }
    return switch Self.judge(estimate, style: style, precision: precision, isVariance: isVariance) {
    case .value(let value): .value(value)
    case .infinite: .infinite
    case .failed, .uncertified, .atMost, .overflow, .negative: .unavailable
    }
  }

  /// An exact value in JSON: a number certified to the printed digits,
  /// `"infinite"`, or `null` where a note says why there is none.
  enum ExactNumber: Encodable, Equatable {
    case value(Double)
    case infinite
    case unavailable

    func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      switch self {
      case .value(let value): try container.encode(value)
      case .infinite: try container.encode("infinite")
      case .unavailable: try container.encodeNil()
      }
    }
  }

  enum Verdict {
    case value(Double)
    case infinite(Estimate.Failure)
    case failed(Estimate.Failure)
    /// A variance that is zero within its error bound, printed in scientific
    /// notation where `0.000e+00` would claim an exact zero.
    case atMost(Double)
    case uncertified(error: Double)
    /// Beyond the range of a double on the way (a closed form at 1e150).
    case overflow
    /// A variance that came out negative beyond its error bound.
    case negative
  }

  static func judge(_ estimate: Estimate, style: NumberFormat.Style, precision: Int, isVariance: Bool) -> Verdict {
    if let failure = estimate.failure {
      return estimate.value == .infinity ? .infinite(failure) : .failed(failure)
    }
    guard estimate.value.isFinite && estimate.error.isFinite else { return .overflow }
    let tolerance = NumberFormat.halfUnit(of: estimate.value, decimals: precision, style: style)
    if isVariance && tolerance == 0 && estimate.error > 0 && abs(estimate.value) <= estimate.error {
      return .atMost(estimate.value + estimate.error)
    }
    guard estimate.value >= 0 || !isVariance else { return .negative }
    guard estimate.isWithin(tolerance) else { return .uncertified(error: estimate.error) }
    return .value(estimate.value)
  }

  private var stopText: String {
    switch stop {
    case .converged, .abandoned: ""
    case .panelLimit(let panels): " (the quadrature stopped at its limit of \(panels) panels)"
    case .timeLimit(let seconds): " (the quadrature stopped at its time limit of \(NumberFormat.shortest(seconds)) s)"
    case .interrupted: " (interrupted)"
    }
  }

  private mutating func note(_ reason: String, _ label: String) {
    if let index = groups.firstIndex(where: { $0.reason == reason }) {
      if !groups[index].labels.contains(label) { groups[index].labels.append(label) }
    } else {
      groups.append((reason, [label]))
    }
  }
}
