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
  /// One estimator's draws for one parameter: their moments, and a bound on how
  /// far the rounding of f's values and slopes could have moved them.
  public struct Draws: Sendable, Equatable {
    public var moments: RunningMoments
    public var rounding: RoundingBound

    public init(moments: RunningMoments, rounding: RoundingBound) {
      self.moments = moments
      self.rounding = rounding
    }
  }

  /// The largest |f| and |f'| accepted: squares and sums of squares over 1e8 draws stay finite.
  public static let largestValue = 1e100

  /// Per-draw moments of each estimator for mu, sigma and logvar (sigma's scaled
  /// by sigma / 2), from `count` draws in one fused pass: each batch of noise is
  /// turned into z, f and f' once, and every estimator reads from it. Beside the
  /// moments, each estimator's rounding bound: f's values and slopes carry
  /// rounding radii (CompiledExpression+Rounding), and each draw's radius is
  /// what they can do to that draw (|score| times f's radius for the score
  /// estimators, the sum of two radii for measure-valued, f''s radius times
  /// dz/dtheta for pathwise). f's own rounding is what is counted; the few
  /// roundings of each estimator's arithmetic on top are not.
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
  ) throws(GradientSamplingError) -> [Estimator: [Parameter: Draws]] {
    let estimators = Estimator.allCases.filter { $0 != .scoreWithBaseline || baseline != .none }
    let rowsPerBatch = max(1, NormalBatches.batchElements / dimension)
    let elements = rowsPerBatch * dimension
    let workspace = CompiledExpression.Workspace(for: f, capacity: max(elements, 4 * rowsPerBatch))
    var noise = [Double](repeating: 0, count: elements)
    var z = noise
    var value = noise
    var slope = noise
    var valueRadius = noise
    var slopeRadius = noise
    // The measure-valued points, four blocks of rows: mu + sigma W, mu - sigma W, mu + sigma M, mu + sigma M U.
    var measurePoints = [Double](repeating: 0, count: 4 * rowsPerBatch)
    var measureValues = measurePoints
    var measureSlopes = measurePoints
    var measureValueRadius = measurePoints
    var measureSlopeRadius = measurePoints
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
    var radiusColumns = columns
    var accumulated = [RunningMoments](repeating: RunningMoments(), count: slots)
    var rounding = [RoundingBound](repeating: RoundingBound(), count: slots)
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
    var leaveOneOutRoundingMu = LeaveOneOutRounding()
    var leaveOneOutRoundingSigma = LeaveOneOutRounding()
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
      try evaluate(
        z, count: used, value: &value, slope: &slope, valueRadius: &valueRadius, slopeRadius: &slopeRadius,
        workspace: workspace)
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
      try evaluate(
        measurePoints, count: 4 * rows, value: &measureValues, slope: &measureSlopes,
        valueRadius: &measureValueRadius, slopeRadius: &measureSlopeRadius, workspace: workspace)
      let (noise, value, slope, measureValues) = (noise, value, slope, measureValues)
      let (valueRadius, slopeRadius, measureValueRadius) = (valueRadius, slopeRadius, measureValueRadius)
      columns.withUnsafeMutableBufferPointer { column in
        radiusColumns.withUnsafeMutableBufferPointer { radius in
          for row in 0..<rows {
            let first = row * dimension
            let x = noise[first]
            var (total, totalRadius) = (0.0, 0.0)
            for d in 0..<dimension {
              let sum = total + value[first + d]
              totalRadius += valueRadius[first + d] + CompiledExpression.sumError(total, value[first + d], sum)
              total = sum
            }
            let (muScore, sigmaScore) = (x / sigma, (x * x - 1) / sigma)
            column[pathwiseMu * block + row] = slope[first]
            column[pathwiseSigma * block + row] = slope[first] * x
            column[scoreMu * block + row] = total * muScore
            column[scoreSigma * block + row] = total * sigmaScore
            radius[pathwiseMu * block + row] = slopeRadius[first]
            radius[pathwiseSigma * block + row] = slopeRadius[first] * abs(x)
            radius[scoreMu * block + row] = totalRadius * abs(muScore)
            radius[scoreSigma * block + row] = totalRadius * abs(sigmaScore)
            switch baseline {
            case .none: break
            case .optimal:
              column[baselineMu * block + row] = (total - optimalMu) * muScore
              column[baselineSigma * block + row] = (total - optimalSigma) * sigmaScore
              radius[baselineMu * block + row] = totalRadius * abs(muScore)
              radius[baselineSigma * block + row] = totalRadius * abs(sigmaScore)
            case .mean:
              leaveOneOutMu.add(shifted: total - shift, score: muScore)
              leaveOneOutSigma.add(shifted: total - shift, score: sigmaScore)
              leaveOneOutRoundingMu.add(radius: totalRadius, score: muScore)
              leaveOneOutRoundingSigma.add(radius: totalRadius, score: sigmaScore)
            }
            column[measureMu * block + row] = measureValuedScale * (measureValues[row] - measureValues[rows + row])
            column[measureSigma * block + row] = (measureValues[2 * rows + row] - measureValues[3 * rows + row]) / sigma
            radius[measureMu * block + row] =
              measureValuedScale * (measureValueRadius[row] + measureValueRadius[rows + row])
            radius[measureSigma * block + row] =
              (measureValueRadius[2 * rows + row] + measureValueRadius[3 * rows + row]) / sigma
          }
        }
      }
      for index in filled {
        accumulated[index].merge(RunningMoments(columns[(index * block)..<(index * block + rows)]))
        let radii = radiusColumns[(index * block)..<(index * block + rows)]
        rounding[index].merge(
          RoundingBound(count: rows, sum: radii.reduce(0, +), sumOfSquares: radii.reduce(0) { $0 + $1 * $1 }))
      }
      done += rows
    }
    if baseline == .mean {
      accumulated[baselineMu] = leaveOneOutMu.moments
      accumulated[baselineSigma] = leaveOneOutSigma.moments
      rounding[baselineMu] = leaveOneOutRoundingMu.bound
      rounding[baselineSigma] = leaveOneOutRoundingSigma.bound
    }
    var draws = [Estimator: [Parameter: Draws]]()
    let logVarianceScale = scale(for: .logvar)
    for estimator in estimators {
      let (muSlot, sigmaSlot) = (slot(estimator, .mu), slot(estimator, .sigma))
      let sigmaMoments = accumulated[sigmaSlot]
      draws[estimator] = [
        .mu: Draws(moments: accumulated[muSlot], rounding: rounding[muSlot]),
        .sigma: Draws(moments: sigmaMoments, rounding: rounding[sigmaSlot]),
        .logvar: Draws(
          moments: RunningMoments(
            count: sigmaMoments.count, mean: sigmaMoments.mean * logVarianceScale,
            sumOfSquaredDeviations: sigmaMoments.sumOfSquaredDeviations * logVarianceScale * logVarianceScale),
          rounding: rounding[sigmaSlot].scaled(by: logVarianceScale)),
      ]
    }
    return draws
  }

  private func evaluate(
    _ points: [Double], count: Int, value: inout [Double], slope: inout [Double], valueRadius: inout [Double],
    slopeRadius: inout [Double], workspace: CompiledExpression.Workspace
  ) throws(GradientSamplingError) {
    points.withUnsafeBufferPointer { input in
      value.withUnsafeMutableBufferPointer { v in
        slope.withUnsafeMutableBufferPointer { d in
          valueRadius.withUnsafeMutableBufferPointer { r in
            slopeRadius.withUnsafeMutableBufferPointer { s in
              f.evaluate(
                UnsafeBufferPointer(rebasing: input[0..<count]), value: v, derivative: d,
                radii: CompiledExpression.RoundingRadii(value: r, derivative: s), workspace: workspace)
            }
          }
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

/// The rounding bound of the leave-one-out mean baseline's draws. Draw i uses
/// S_i (radius r_i) and the mean of the others' S (radius at most
/// (R - r_i) / (n - 1), R = sum r), so its radius is (a r_i + b) |s_i| with
/// a = (n - 2) / (n - 1) and b = R / (n - 1). Then, with A = sum r |s|,
/// B = sum |s|, C = sum r^2 s^2, D = sum r s^2, E = sum s^2:
///
///     sum radius   = a A + b B
///     sum radius^2 = a^2 C + 2 a b D + b^2 E
struct LeaveOneOutRounding {
  var n = 0.0, r = 0.0, a = 0.0, b = 0.0, c = 0.0, d = 0.0, e = 0.0

  mutating func add(radius: Double, score: Double) {
    n += 1
    r += radius
    a += radius * abs(score)
    b += abs(score)
    c += radius * radius * score * score
    d += radius * score * score
    e += score * score
  }

  var bound: RoundingBound {
    guard n > 1 else { return RoundingBound() }
    let (scale, shift) = ((n - 2) / (n - 1), r / (n - 1))
    return RoundingBound(
      count: Int(n), sum: scale * a + shift * b,
      sumOfSquares: scale * scale * c + 2 * scale * shift * d + shift * shift * e)
  }
}
