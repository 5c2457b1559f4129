import Probability

/// Minimises a smooth function of many variables by limited-memory BFGS
/// (Nocedal and Wright, "Numerical Optimization", 2nd ed. 2006: the two-loop
/// recursion, algorithm 7.4, in the iteration of algorithm 7.5), with a
/// backtracking line search on the Armijo condition f(x + t p) <= f(x) + c t g.p,
/// c = 1e-4. A curvature pair (s, y) is kept only when s.y > 0, so the
/// inverse-Hessian estimate stays positive definite; for a convex function, as
/// the linear probes' losses are, every search direction is one of descent.
public enum LBFGS {
  /// Where the search ended.
  public struct Result: Sendable, Equatable {
    public var x: [Double]
    public var value: Double
    /// The largest absolute component of the gradient at `x`.
    public var gradientNorm: Double
    public var iterations: Int
    /// Whether the gradient norm reached the tolerance; false when the
    /// iteration limit came first or the line search could no longer descend.
    public var converged: Bool
  }

  /// The value and gradient of the function at a point.
  public typealias Objective = ([Double]) -> (value: Double, gradient: [Double])

  /// Minimises `objective` from `start` until the gradient's largest component
  /// is at most `gradientTolerance`, keeping the last `memory` curvature pairs.
  /// Polls `shouldStop` before every evaluation of `objective`.
  public static func minimise(
    from start: [Double], memory: Int = 10, gradientTolerance: Double = 1e-6, maximumIterations: Int = 1000,
    shouldStop: () -> Bool = { false }, _ objective: Objective
  ) throws(Interrupted) -> Result {
    var x = start
    var (value, gradient) = objective(x)
    var pairs: [(s: [Double], y: [Double], rho: Double)] = []
    var iterations = 0
    func norm(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    while norm(gradient) > gradientTolerance && iterations < maximumIterations {
      if shouldStop() { throw Interrupted() }
      iterations += 1
      // The two-loop recursion: direction = -H g.
      var q = gradient
      var alphas = [Double](repeating: 0, count: pairs.count)
      for index in pairs.indices.reversed() {
        alphas[index] = pairs[index].rho * dot(pairs[index].s, q)
        for j in q.indices { q[j] -= alphas[index] * pairs[index].y[j] }
      }
      // The initial inverse Hessian gamma I, gamma = s.y / y.y from the newest
      // pair (Nocedal and Wright, eq. 7.20); before any pair, a first step of
      // length 1 in the largest component.
      let gamma =
        pairs.last.map { dot($0.s, $0.y) / dot($0.y, $0.y) } ?? 1 / max(norm(gradient), Double.leastNormalMagnitude)
      for j in q.indices { q[j] *= gamma }
      for index in pairs.indices {
        let beta = pairs[index].rho * dot(pairs[index].y, q)
        for j in q.indices { q[j] += (alphas[index] - beta) * pairs[index].s[j] }
      }
      let direction = q.map { -$0 }
      let slope = dot(gradient, direction)
      guard slope < 0 else { break }

      // Backtracking: t = 1, 1/2, 1/4, ... until the Armijo condition holds.
      var step = 1.0
      var accepted: (x: [Double], value: Double, gradient: [Double])?
      for _ in 0..<60 {
        if shouldStop() { throw Interrupted() }
        let trial = zip(x, direction).map { $0 + step * $1 }
        let (trialValue, trialGradient) = objective(trial)
        if trialValue.isFinite && trialValue <= value + 1e-4 * step * slope {
          accepted = (trial, trialValue, trialGradient)
          break
        }
        step /= 2
      }
      guard let accepted else { break }
      let s = zip(accepted.x, x).map { $0 - $1 }
      let y = zip(accepted.gradient, gradient).map { $0 - $1 }
      let curvature = dot(s, y)
      if curvature > 0 {
        pairs.append((s, y, 1 / curvature))
        if pairs.count > memory { pairs.removeFirst() }
      }
      (x, value, gradient) = accepted
    }
    let gradientNorm = norm(gradient)
    return Result(
      x: x, value: value, gradientNorm: gradientNorm, iterations: iterations,
      converged: gradientNorm <= gradientTolerance)
  }
}
