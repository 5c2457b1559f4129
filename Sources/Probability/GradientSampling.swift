import RealModule

/// Why a sampling run stopped early.
public enum GradientSamplingError: Error, Equatable, Sendable {
  case interrupted
  /// f or f' was NaN, infinite, or so large (beyond `GradientProblem.largestValue`)
  /// that its square, the variance, would overflow, at this z: averaging it
  /// would hide the problem.
  case notFinite(z: Double)
}

extension GradientProblem {
  /// The largest |f| and |f'| accepted: squares and sums of squares over 1e8 draws stay finite.
  public static let largestValue = 1e100

  /// Per-draw moments of each estimator for mu, sigma and logvar (sigma's scaled
  /// by sigma / 2), from `count` draws in one fused pass: each batch of noise is
  /// turned into z, f and f' once, and every estimator reads from it.
  ///
  /// Draw order per batch (fixed, so a seed reproduces every number): the normal
  /// noise for all rows, three normals per row for the Maxwell magnitudes, then per
  /// row a uniform for the Rayleigh W, a sign bit for M and a uniform U.
  ///
  /// The optimal baseline comes from `expectations`; a caller that has them
  /// already passes them, so the quadrature is not done twice.
  public func sample(
    count: Int, baseline: Baseline, expectations known: GradientExpectations? = nil,
    using generator: inout Xoshiro256StarStar, shouldStop: () -> Bool = { false }
  ) throws(GradientSamplingError) -> [Estimator: [Parameter: RunningMoments]] {
    let estimators = Estimator.allCases.filter { $0 != .scoreWithBaseline || baseline != .none }
    let rowsPerBatch = max(1, NormalBatches.batchElements / dimension)
    let elements = rowsPerBatch * dimension
    let workspace = CompiledExpression.Workspace(for: f, capacity: max(elements, 4 * rowsPerBatch))
    var noise = [Double](repeating: 0, count: elements)
    var z = noise
    var value = noise
    var slope = noise
    // The measure-valued points, four blocks of rows: mu + sigma W, mu - sigma W, mu + sigma M, mu + sigma M U.
    var measurePoints = [Double](repeating: 0, count: 4 * rowsPerBatch)
    var measureValues = measurePoints
    var measureSlopes = measurePoints
    var maxwellNoise = [Double](repeating: 0, count: 3 * rowsPerBatch)
    // One block of per-draw values for each (estimator, parameter) slot: mu then sigma.
    let slots = Estimator.allCases.count * 2
    func slot(_ estimator: Estimator, _ parameter: Parameter) -> Int {
      (Estimator.allCases.firstIndex(of: estimator) ?? 0) * 2 + (parameter == .mu ? 0 : 1)
    }
    let (pathwiseMu, pathwiseSigma) = (slot(.pathwise, .mu), slot(.pathwise, .sigma))
    let (scoreMu, scoreSigma) = (slot(.score, .mu), slot(.score, .sigma))
    let (baselineMu, baselineSigma) = (slot(.scoreWithBaseline, .mu), slot(.scoreWithBaseline, .sigma))
    let (measureMu, measureSigma) = (slot(.measureValued, .mu), slot(.measureValued, .sigma))
    // The leave-one-out mean baseline is summed separately, below.
    let filled =
      [pathwiseMu, pathwiseSigma, scoreMu, scoreSigma, measureMu, measureSigma]
      + (baseline == .optimal ? [baselineMu, baselineSigma] : [])
    var columns = [Double](repeating: 0, count: slots * rowsPerBatch)
    var accumulated = [RunningMoments](repeating: RunningMoments(), count: slots)
    var expectations = known
    if baseline == .optimal && expectations == nil {
      do {
        expectations = try withoutActuallyEscaping(shouldStop) { stop throws(Interrupted) in
          try GradientExpectations(self, budget: GaussKronrod.Budget(shouldStop: stop))
        }
      } catch { throw .interrupted }
    }
    let optimalMu = expectations?.optimalBaseline(.mu, problem: self) ?? 0
    let optimalSigma = expectations?.optimalBaseline(.sigma, problem: self) ?? 0
    var leaveOneOutMu = LeaveOneOutSums()
    var leaveOneOutSigma = LeaveOneOutSums()
    // Any finite constant will do; f(mu) is near the mean of S unless f is singular there.
    let centre = f.evaluate(at: mu).value
    let shift = centre.isFinite && abs(centre) <= Self.largestValue ? Double(dimension) * centre : 0
    let measureValuedScale = 1 / (sigma * (2 * Double.pi).squareRoot())
    let (mu, sigma, dimension, block) = (self.mu, self.sigma, self.dimension, rowsPerBatch)

    var done = 0
    while done < count {
      if shouldStop() { throw .interrupted }
      let rows = min(rowsPerBatch, count - done)
      let used = rows * dimension
      noise.withUnsafeMutableBufferPointer { buffer in
        NormalSampler.fill(UnsafeMutableBufferPointer(rebasing: buffer[0..<used]), using: &generator)
      }
      for i in 0..<used { z[i] = mu + sigma * noise[i] }
      try evaluate(z, count: used, value: &value, slope: &slope, workspace: workspace)
      // Measure-valued variables per row: W ~ Rayleigh, M double-sided Maxwell, U uniform.
      maxwellNoise.withUnsafeMutableBufferPointer { buffer in
        NormalSampler.fill(UnsafeMutableBufferPointer(rebasing: buffer[0..<(3 * rows)]), using: &generator)
      }
      for row in 0..<rows {
        let w = (-2 * Double.log(generator.nextUniformPositive())).squareRoot()
        let (a, b, c) = (maxwellNoise[3 * row], maxwellNoise[3 * row + 1], maxwellNoise[3 * row + 2])
        let m = (generator.next() & 1 == 0 ? 1.0 : -1.0) * (a * a + b * b + c * c).squareRoot()
        let u = generator.nextUniform()
        measurePoints[row] = mu + sigma * w
        measurePoints[rows + row] = mu - sigma * w
        measurePoints[2 * rows + row] = mu + sigma * m
        measurePoints[3 * rows + row] = mu + sigma * m * u
      }
      try evaluate(measurePoints, count: 4 * rows, value: &measureValues, slope: &measureSlopes, workspace: workspace)
      let (noise, value, slope, measureValues) = (noise, value, slope, measureValues)
      columns.withUnsafeMutableBufferPointer { column in
        for row in 0..<rows {
          let first = row * dimension
          let x = noise[first]
          var total = 0.0
          for d in 0..<dimension { total += value[first + d] }
          let (muScore, sigmaScore) = (x / sigma, (x * x - 1) / sigma)
          column[pathwiseMu * block + row] = slope[first]
          column[pathwiseSigma * block + row] = slope[first] * x
          column[scoreMu * block + row] = total * muScore
          column[scoreSigma * block + row] = total * sigmaScore
          switch baseline {
          case .none: break
          case .optimal:
            column[baselineMu * block + row] = (total - optimalMu) * muScore
            column[baselineSigma * block + row] = (total - optimalSigma) * sigmaScore
          case .mean:
            leaveOneOutMu.add(shifted: total - shift, score: muScore)
            leaveOneOutSigma.add(shifted: total - shift, score: sigmaScore)
          }
          column[measureMu * block + row] = measureValuedScale * (measureValues[row] - measureValues[rows + row])
          column[measureSigma * block + row] = (measureValues[2 * rows + row] - measureValues[3 * rows + row]) / sigma
        }
      }
      for index in filled {
        accumulated[index].merge(RunningMoments(columns[(index * block)..<(index * block + rows)]))
      }
      done += rows
    }
    if baseline == .mean {
      accumulated[baselineMu] = leaveOneOutMu.moments
      accumulated[baselineSigma] = leaveOneOutSigma.moments
    }
    var moments = [Estimator: [Parameter: RunningMoments]]()
    let logVarianceScale = scale(for: .logvar)
    for estimator in estimators {
      let sigmaMoments = accumulated[slot(estimator, .sigma)]
      moments[estimator] = [
        .mu: accumulated[slot(estimator, .mu)], .sigma: sigmaMoments,
        .logvar: RunningMoments(
          count: sigmaMoments.count, mean: sigmaMoments.mean * logVarianceScale,
          sumOfSquaredDeviations: sigmaMoments.sumOfSquaredDeviations * logVarianceScale * logVarianceScale),
      ]
    }
    return moments
  }

  private func evaluate(
    _ points: [Double], count: Int, value: inout [Double], slope: inout [Double],
    workspace: CompiledExpression.Workspace
  ) throws(GradientSamplingError) {
    points.withUnsafeBufferPointer { input in
      value.withUnsafeMutableBufferPointer { v in
        slope.withUnsafeMutableBufferPointer { d in
          f.evaluate(UnsafeBufferPointer(rebasing: input[0..<count]), value: v, derivative: d, workspace: workspace)
        }
      }
    }
    for i in 0..<count where !(abs(value[i]) <= Self.largestValue) || !(abs(slope[i]) <= Self.largestValue) {
      throw .notFinite(z: points[i])
    }
  }
}

/// Power sums for the score estimator with a leave-one-out mean baseline,
/// y_i = (S_i - b_i) s_i with b_i = (T - S_i) / (n - 1) the mean of the other draws'
/// S. Then y_i = s_i (n S_i - T) / (n - 1), so with A = sum s S, B = sum s,
/// C = sum s^2, D = sum s^2 S, E = sum s^2 S^2:
///
///     sum y   = (n A - T B) / (n - 1)
///     sum y^2 = (n^2 E - 2 n T D + T^2 C) / (n - 1)^2
///
/// S is shifted by a constant near its mean first (the estimator does not change)
/// so that the sums do not cancel.
struct LeaveOneOutSums {
  var n = 0.0, t = 0.0, a = 0.0, b = 0.0, c = 0.0, d = 0.0, e = 0.0

  mutating func add(shifted s: Double, score: Double) {
    n += 1
    t += s
    a += score * s
    b += score
    c += score * score
    d += score * score * s
    e += score * score * s * s
  }

  var moments: RunningMoments {
    guard n > 1 else { return RunningMoments() }
    let sum = (n * a - t * b) / (n - 1)
    let sumOfSquares = (n * n * e - 2 * n * t * d + t * t * c) / ((n - 1) * (n - 1))
    return RunningMoments(count: Int(n), mean: sum / n, sumOfSquaredDeviations: max(0, sumOfSquares - sum * sum / n))
  }
}
