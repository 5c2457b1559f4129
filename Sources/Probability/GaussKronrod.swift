import HeapModule

/// Globally adaptive Gauss-Kronrod quadrature (the 7-point Gauss rule embedded
/// in the 15-point Kronrod rule; R. Piessens et al., QUADPACK, Springer 1983,
/// routines qk15 and qag). The difference between the two rules estimates each
/// panel's error; the panel with the largest estimate is halved next, so kinks
/// (such as abs) and peaks get the points they need, and the work goes where
/// the error is. Integrands are vector-valued: several integrals share one set
/// of panels, evaluated a panel at a time.
///
/// The work is bounded by a `Budget` (panels, seconds, Ctrl-C) shared by every
/// integral of one computation, nested ones included, and each integral says
/// why it has no trustworthy value when it has none: a singularity whose
/// contributions do not shrink, values that are not finite, or an integrand
/// that has not decayed at the ends of the range.
public enum GaussKronrod {
  /// Kronrod nodes on [-1, 1]: +-x[i], with x[7] = 0. Odd indices are the Gauss nodes.
  static let nodes: [Double] = [
    0.991_455_371_120_812_639_206_854_697_526_329, 0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926, 0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013, 0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245, 0,
  ]
  static let kronrodWeights: [Double] = [
    0.022_935_322_010_529_224_963_732_008_058_970, 0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518, 0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550, 0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649, 0.209_482_141_084_727_828_012_999_174_891_714,
  ]
  /// Gauss weights of nodes[1], nodes[3], nodes[5] and nodes[7].
  static let gaussWeights: [Double] = [
    0.129_484_966_168_869_693_270_611_432_679_082, 0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975, 0.417_959_183_673_469_387_755_102_040_816_327,
  ]

  /// The 15 abscissae of a panel [a, b], in a fixed order.
  static func abscissae(_ a: Double, _ b: Double) -> [Double] {
    let (center, half) = (0.5 * (a + b), 0.5 * (b - a))
    return (0..<7).flatMap { [center - half * nodes[$0], center + half * nodes[$0]] } + [center]
  }

  /// Why the adaptive loop stopped. Anything but `converged` leaves error
  /// estimates above the tolerance, which the caller may still accept.
  public enum Stop: Equatable, Sendable {
    case converged
    /// The budget's panels were used up.
    case panelLimit(Int)
    /// The budget's time ran out.
    case timeLimit(seconds: Double)
    /// Ctrl-C.
    case interrupted
    /// The caller gave up: the integrand is not defined where it must be.
    case abandoned
  }

  /// How much work one computation may do.
  public struct Limits: Sendable {
    public var panels: Int
    public var seconds: Double

    public init(panels: Int, seconds: Double) {
      self.panels = panels
      self.seconds = seconds
    }

    /// For the gradient expectations: 60,000 panels (a quarter of a second or
    /// so in a release build), and 10 seconds in case a machine is much slower.
    public static let standard = Limits(panels: 60_000, seconds: 10)
  }

  /// The work left for one computation, shared by all its integrals (nested
  /// ones included), and the first limit it reached.
  public final class Budget {
    public let limits: Limits
    public private(set) var panelsLeft: Int
    public private(set) var stop = Stop.converged
    let deadline: ContinuousClock.Instant
    let shouldStop: () -> Bool
    private var sinceClockCheck = 0

    public init(_ limits: Limits = .standard, shouldStop: @escaping () -> Bool = { false }) {
      self.limits = limits
      panelsLeft = limits.panels
      deadline = ContinuousClock.now + .milliseconds(Int(limits.seconds * 1000))
      self.shouldStop = shouldStop
    }

    /// Whether work may go on; polls Ctrl-C every call and the clock every 32.
    var isOpen: Bool {
      guard stop == .converged else { return false }
      if shouldStop() {
        stop = .interrupted
      } else if panelsLeft <= 0 {
        stop = .panelLimit(limits.panels)
      } else {
        sinceClockCheck += 1
        if sinceClockCheck >= 32 {
          sinceClockCheck = 0
          if ContinuousClock.now >= deadline { stop = .timeLimit(seconds: limits.seconds) }
        }
      }
      return stop == .converged
    }

    /// Whether Ctrl-C has stopped the work; polled at the start of every
    /// integral, even one after the refinement stopped for another reason, so
    /// that the first passes of later integrals (the 600 inner integrals of a
    /// double integral, say) are not started after it.
    var isInterrupted: Bool {
      if stop != .interrupted && shouldStop() { stop = .interrupted }
      return stop == .interrupted
    }

    func spend(_ panels: Int) { panelsLeft -= panels }

    /// Stops all further refinement, as when the integrand turned out undefined.
    public func abandon() { if stop == .converged { stop = .abandoned } }
  }

  /// Why one integral has no trustworthy value.
  public enum Failure: Equatable, Sendable {
    /// Intervals around `x` were halved down to the smallest width and their
    /// contributions did not shrink: a singularity that is not integrable.
    case diverges(near: Double)
    /// The integrand was not finite at `x`.
    case notFinite(at: Double)
    /// The integrand has not decayed at the ends of the range: what lies beyond
    /// them is not negligible, and the integral over the whole line may not exist.
    case tail
  }

  public struct Result: Sendable {
    public var values: [Double]
    /// Sum over panels of |Kronrod - Gauss|, per component, plus a rounding floor.
    public var errors: [Double]
    /// The integral of |integrand| per component: the scale its rounding errors have.
    public var magnitudes: [Double]
    public var failures: [Failure?]
  }

  /// One panel: its ends, the two rules' values and the Kronrod rule on |integrand|.
  struct Panel {
    var a: Double
    var b: Double
    var kronrod: [Double]
    var errors: [Double]
    var magnitudes: [Double]
    /// Components with a node where the integrand is not finite (left out of the sums):
    /// the panel is halved first, so that the point ends up on a panel's end, never evaluated.
    var notFinite: [Bool]
  }

  /// A panel index ordered by the panel's worst error relative to its component's tolerance.
  struct Worst: Comparable {
    var priority: Double
    var index: Int
    static func < (lhs: Worst, rhs: Worst) -> Bool { lhs.priority < rhs.priority }
  }

  /// Integrals over [lower, upper] of each of `components` functions.
  /// `integrand(xs)` returns, for the points `xs`, the values component by
  /// component: result[c * xs.count + i] is component c at xs[i].
  ///
  /// Starts from `panels` equal panels and halves the worst until every
  /// component's error estimate is below `relativeTolerance` times the integral
  /// of its absolute value (or `absoluteTolerance`, if larger), or the budget runs out.
  /// With `refining: k`, only the first k components are refined for; the rest
  /// are integrated along on the same panels. A panel narrower than
  /// `minimumWidth` is kept as it is, and the point it closed in on is tested
  /// for a singularity that is not integrable (`growsTowards`): a component
  /// that diverges there is refined no further. A node where the integrand is
  /// not finite is left out and its panel halved first, so that the point ends
  /// on a panel's end, never evaluated. A tail is reported when the panels
  /// within `tailWidth` of an end that `checkedEnds` marks carry more than the
  /// tolerance.
  public static func integrate(
    from lower: Double, to upper: Double, components: Int, panels initialPanels: Int = 16,
    refining: Int? = nil, relativeTolerance: Double = 1e-12, absoluteTolerance: Double = 0,
    minimumWidth: Double? = nil,
    checkedEnds: (lower: Bool, upper: Bool) = (false, false), tailWidth: Double = 1, budget: Budget = Budget(),
    integrand: ([Double]) -> [Double]
  ) -> Result {
    // Work stopped by Ctrl-C is thrown away: later integrals of it are not started.
    if budget.isInterrupted {
      let zeros = [Double](repeating: 0, count: components)
      return Result(
        values: zeros, errors: [Double](repeating: .infinity, count: components), magnitudes: zeros,
        failures: [Failure?](repeating: nil, count: components))
    }
    let smallest = minimumWidth ?? (upper - lower) * 1e-12
    func evaluate(_ a: Double, _ b: Double) -> Panel {
      let ys = integrand(abscissae(a, b))
      let half = 0.5 * (b - a)
      var panel = Panel(
        a: a, b: b, kronrod: [Double](repeating: 0, count: components),
        errors: [Double](repeating: 0, count: components), magnitudes: [Double](repeating: 0, count: components),
        notFinite: [Bool](repeating: false, count: components))
      for c in 0..<components {
        func y(_ i: Int) -> Double {
          let value = ys[c * 15 + i]
          if value.isFinite { return value }
          panel.notFinite[c] = true
          return 0
        }
        var (k, g, m) = (kronrodWeights[7] * y(14), gaussWeights[3] * y(14), kronrodWeights[7] * abs(y(14)))
        for i in 0..<7 {
          let (left, right) = (y(2 * i), y(2 * i + 1))
          k += kronrodWeights[i] * (left + right)
          m += kronrodWeights[i] * (abs(left) + abs(right))
          if i % 2 == 1 { g += gaussWeights[i / 2] * (left + right) }
        }
        panel.kronrod[c] = k * half
        panel.errors[c] = abs(k - g) * half
        panel.magnitudes[c] = m * half
      }
      budget.spend(1)
      return panel
    }

    var all: [Panel] = []
    let width = (upper - lower) / Double(initialPanels)
    for index in 0..<initialPanels {
      let (a, b) = (
        lower + Double(index) * width, index == initialPanels - 1 ? upper : lower + Double(index + 1) * width
      )
      all.append(evaluate(a, b))
    }
    // Tolerances from the first pass: the integral of |integrand| sets the scale.
    // A component found to diverge gets an infinite one: refining it is pointless.
    var tolerances = (0..<components).map { c in
      c < (refining ?? components)
        ? max(
          relativeTolerance * all.reduce(0) { $0 + $1.magnitudes[c] }, absoluteTolerance, Double.leastNormalMagnitude)
        : .infinity
    }
    var failures = [Failure?](repeating: nil, count: components)
    func priority(_ panel: Panel) -> Double {
      (0..<components).reduce(0) { worst, c in
        guard failures[c] == nil else { return worst }
        return max(worst, panel.notFinite[c] ? .infinity : panel.errors[c] / tolerances[c])
      }
    }
    var totalErrors = (0..<components).map { c in all.reduce(0) { $0 + $1.errors[c] } }
    var heap = Heap(all.indices.map { Worst(priority: priority(all[$0]), index: $0) })
    // Panels too narrow to halve; their errors stay in the result but no longer hold up convergence.
    var retiredErrors = [Double](repeating: 0, count: components)
    var testedPoints = [[Double]](repeating: [], count: components)
    func converged() -> Bool {
      (0..<components).allSatisfy { totalErrors[$0] - retiredErrors[$0] <= tolerances[$0] }
    }
    /// Whether |component c| is not integrable at `x0`, where the refinement
    /// closed in down to panels of width `w` (so the singular point is within w
    /// of x0): the integral of |integrand| over the distances [8w, 128w) from x0,
    /// both sides, is at least 0.95 times that over [128w, 2048w), each shell
    /// integrated by panels that double in width, which suit a power law and
    /// stay clear of the point itself. Near |x - x0|^-a the ratio is 16^(a - 1):
    /// 1 where the integral diverges (a = 1, and more beyond), 1/4 for a = 1/2;
    /// only singularities with a in [0.98, 1), which converge too slowly to
    /// compute anyway, count as divergent though they are not.
    func growsTowards(_ x0: Double, width w: Double, component c: Int) -> Bool {
      var shells = [0.0, 0.0]
      var distance = 8 * w
      for shell in 0..<8 {
        for (a, b) in [(x0 + distance, x0 + 2 * distance), (x0 - 2 * distance, x0 - distance)] {
          let (a, b) = (max(a, lower), min(b, upper))
          if a < b { shells[shell / 4] += evaluate(a, b).magnitudes[c] }
        }
        distance *= 2
      }
      return shells[0] > 0 && shells[0] >= 0.95 * shells[1]
    }
    while !converged(), let worst = heap.popMax(), budget.isOpen {
      let panel = all[worst.index]
      // Priorities go stale when a component is found to diverge: look again.
      let current = priority(panel)
      guard current > 0 else { continue }
      if current < worst.priority, let next = heap.max, current < next.priority {
        heap.insert(Worst(priority: current, index: worst.index))
        continue
      }
      guard panel.b - panel.a > 2 * smallest else {
        for c in 0..<components {
          retiredErrors[c] += panel.errors[c]
          guard failures[c] == nil else { continue }
          let (centre, width) = (0.5 * (panel.a + panel.b), panel.b - panel.a)
          // The test is made once per singular point, at the first panel retired
          // next to it: a neighbour retired later sits off the point, and its shells
          // would hold the point itself.
          let tested = testedPoints[c].contains { abs($0 - centre) < 2048 * width }
          if panel.notFinite[c] {
            failures[c] = .notFinite(at: centre)
          } else if panel.errors[c] > tolerances[c] && !tested {
            testedPoints[c].append(centre)
            if growsTowards(centre, width: width, component: c) { failures[c] = .diverges(near: centre) }
          }
          if failures[c] != nil { tolerances[c] = .infinity }
        }
        continue
      }
      let middle = 0.5 * (panel.a + panel.b)
      let children = [evaluate(panel.a, middle), evaluate(middle, panel.b)]
      for c in 0..<components {
        totalErrors[c] += children[0].errors[c] + children[1].errors[c] - panel.errors[c]
      }
      all[worst.index] = children[0]
      all.append(children[1])
      heap.insert(Worst(priority: priority(children[0]), index: worst.index))
      heap.insert(Worst(priority: priority(children[1]), index: all.count - 1))
    }

    var result = Result(
      values: [Double](repeating: 0, count: components), errors: [Double](repeating: 0, count: components),
      magnitudes: [Double](repeating: 0, count: components), failures: failures)
    for panel in all {
      for c in 0..<components {
        result.values[c] += panel.kronrod[c]
        result.errors[c] += panel.errors[c]
        result.magnitudes[c] += panel.magnitudes[c]
        // A node left out of the sums leaves the panel's value unknown.
        if panel.notFinite[c] && result.failures[c] == nil {
          result.failures[c] = .notFinite(at: 0.5 * (panel.a + panel.b))
        }
      }
    }
    for c in 0..<components where result.failures[c] == nil {
      // Rounding: no sum of terms is better than a few ulps of its magnitude (QUADPACK's 50 eps).
      result.errors[c] += 50 * Double.ulpOfOne * result.magnitudes[c]
      // A tail: what the outermost unit carries is not negligible.
      let tolerance = max(relativeTolerance * result.magnitudes[c], Double.leastNormalMagnitude)
      let edge = all.filter {
        (checkedEnds.lower && $0.a < lower + tailWidth) || (checkedEnds.upper && $0.b > upper - tailWidth)
      }
      if edge.reduce(0, { $0 + $1.magnitudes[c] }) > tolerance { result.failures[c] = .tail }
    }
    return result
  }
}
