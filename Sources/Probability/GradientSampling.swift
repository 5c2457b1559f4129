import RealModule

/// Why a sampling run stopped early.
public enum GradientSamplingError: Error, Equatable, Sendable {
  case interrupted
  /// f or f' was NaN or infinite at this z: averaging it would hide the problem.
  case notFinite(z: Double)
}

extension GradientProblem {
  /// Per-draw moments of each estimator for mu, sigma and logvar (sigma's scaled
  /// by sigma / 2), from `count` draws in one fused pass: each batch of noise is
  /// turned into z, f and f' once, and every estimator reads from it.
  ///
  /// Draw order per batch (fixed, so a seed reproduces every number): the normal
  /// noise for all rows, then per row the measure-valued variables: a uniform for
  /// the Rayleigh W, three normals and a sign bit for the Maxwell M, a uniform U.
  public func sample(
    count: Int, baseline: Baseline, using generator: inout Xoshiro256StarStar,
    shouldStop: () -> Bool = { false }
  ) throws(GradientSamplingError) -> [Estimator: [Parameter: RunningMoments]] {
    let estimators = Estimator.allCases.filter { $0 != .scoreWithBaseline || baseline != .none }
    let rowsPerBatch = max(1, NormalBatches.batchElements / dimension)
    let elements = rowsPerBatch * dimension
    let workspace = CompiledExpression.Workspace(for: f, capacity: elements)
    var noise = [Double](repeating: 0, count: elements)
    var z = noise
    var value = noise
    var slope = noise
    var measureValuedPoints = [[Double]](repeating: [Double](repeating: 0, count: rowsPerBatch), count: 4)
    var measureValuedValues = measureValuedPoints
    var sink = [Double](repeating: 0, count: rowsPerBatch)
    // One column of per-draw values for each (estimator, parameter) slot: mu then sigma.
    let slots = Estimator.allCases.count * 2
    func slot(_ estimator: Estimator, _ parameter: Parameter) -> Int {
      (Estimator.allCases.firstIndex(of: estimator) ?? 0) * 2 + (parameter == .mu ? 0 : 1)
    }
    let (pathwiseMu, pathwiseSigma) = (slot(.pathwise, .mu), slot(.pathwise, .sigma))
    let (scoreMu, scoreSigma) = (slot(.score, .mu), slot(.score, .sigma))
    let (baselineMu, baselineSigma) = (slot(.scoreWithBaseline, .mu), slot(.scoreWithBaseline, .sigma))
    let (measureMu, measureSigma) = (slot(.measureValued, .mu), slot(.measureValued, .sigma))
    var columns = [[Double]](repeating: [], count: slots)
    var accumulated = [RunningMoments](repeating: RunningMoments(), count: slots)
    let expectations = baseline == .optimal ? GradientExpectations(self) : nil
    let optimalMu = expectations?.optimalBaseline(.mu, problem: self) ?? 0
    let optimalSigma = expectations?.optimalBaseline(.sigma, problem: self) ?? 0
    var leaveOneOutMu = LeaveOneOutSums()
    var leaveOneOutSigma = LeaveOneOutSums()
    let shift = Double(dimension) * f.evaluate(at: mu).value
    let measureValuedScale = 1 / (sigma * (2 * Double.pi).squareRoot())

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
      // Measure-valued variables: W, M and U per row.
      for row in 0..<rows {
        let w = (-2 * Double.log(generator.nextUniformPositive())).squareRoot()
        let (a, b, c) = (
          NormalSampler.next(using: &generator), NormalSampler.next(using: &generator),
          NormalSampler.next(using: &generator)
        )
        let m = (generator.next() & 1 == 0 ? 1.0 : -1.0) * (a * a + b * b + c * c).squareRoot()
        let u = generator.nextUniform()
        measureValuedPoints[0][row] = mu + sigma * w
        measureValuedPoints[1][row] = mu - sigma * w
        measureValuedPoints[2][row] = mu + sigma * m
        measureValuedPoints[3][row] = mu + sigma * m * u
      }
      for k in 0..<4 {
        try evaluate(
          measureValuedPoints[k], count: rows, value: &measureValuedValues[k], slope: &sink, workspace: workspace)
      }
      for index in 0..<slots { columns[index].removeAll(keepingCapacity: true) }
      for row in 0..<rows {
        let first = row * dimension
        let x = noise[first]
        var total = 0.0
        for d in 0..<dimension { total += value[first + d] }
        let (muScore, sigmaScore) = (x / sigma, (x * x - 1) / sigma)
        columns[pathwiseMu].append(slope[first])
        columns[pathwiseSigma].append(slope[first] * x)
        columns[scoreMu].append(total * muScore)
        columns[scoreSigma].append(total * sigmaScore)
        switch baseline {
        case .none: break
        case .optimal:
          columns[baselineMu].append((total - optimalMu) * muScore)
          columns[baselineSigma].append((total - optimalSigma) * sigmaScore)
        case .mean:
          leaveOneOutMu.add(shifted: total - shift, score: muScore)
          leaveOneOutSigma.add(shifted: total - shift, score: sigmaScore)
        }
        columns[measureMu].append(measureValuedScale * (measureValuedValues[0][row] - measureValuedValues[1][row]))
        columns[measureSigma].append((measureValuedValues[2][row] - measureValuedValues[3][row]) / sigma)
      }
      for index in 0..<slots where !columns[index].isEmpty { accumulated[index].merge(RunningMoments(columns[index])) }
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
    for i in 0..<count where !value[i].isFinite || !slope[i].isFinite {
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
