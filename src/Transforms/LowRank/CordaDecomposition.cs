using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// CorDA (Yang et al. 2024; peft <c>tuners/lora/corda.py</c>) in ONNX layout, M = Wᵀ (in×out): the covariance
/// C = XᵀX / rows (in×in) of each target's inputs X over the calibration batches, damped to C' = C + δ·mean(diag C)·I;
/// the SVD C'·M = (W·C')ᵀ = P·S·Qᵀ gives W·C' = Q·S·Pᵀ, so W = Q·S·(C'⁻¹·P)ᵀ and V = C'⁻¹·P. The adapter takes r triplets —
/// the largest (IPM) or the smallest (KPM) — split as A = V_r·√(S_r/s) (in×r), B = √(S_r/s)·Q_rᵀ (r×out), so s·A·B =
/// V_r·S_r·Q_rᵀ and W_res = M − s·A·B holds the other components.
/// peft divides each batch by its absolute maximum before accumulating; that rescales C by a constant per batch and is
/// left out here (a global constant cancels in V = C'⁻¹·P and in the relative damping).
/// </summary>
internal static class CordaDecomposition
{
    /// <summary>
    /// C' (damped) and its Cholesky factor for every target's input, computed once per distinct input (q, k and v share
    /// one) from C = XᵀX / rows accumulated in double.
    /// </summary>
    public static DampedCovariance[] Covariances(OnnxModel model, IReadOnlyList<LowRankTarget> targets, CordaOptions corda)
    {
        Dictionary<string, OnnxNode> nodes = model.Graph.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        string[] inputOf = targets.Select(t => nodes[t.Weight.Node].Inputs[0]).ToArray();
        List<string> distinct = inputOf.Distinct(StringComparer.Ordinal).ToList();
        var sums = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var probe = new ActivationProbe(model, distinct))
        {
            foreach (TensorBatch batch in corda.Batches)
            {
                foreach ((string x, Matrix xs) in EvaInitializer.Activations(probe, batch, distinct))
                {
                    int d = xs.Cols;
                    if (!sums.TryGetValue(x, out double[]? sum))
                    {
                        sums[x] = sum = new double[d * d];
                    }

                    var gram = new Matrix(d, d);
                    Gemm.Multiply(xs.Data, true, xs.Data, false, gram.Data, d, d, xs.Rows);
                    for (int i = 0; i < sum.Length; i++)
                    {
                        sum[i] += gram.Data[i];
                    }

                    rows[x] = rows.GetValueOrDefault(x) + xs.Rows;
                }
            }
        }

        var result = new System.Collections.Concurrent.ConcurrentDictionary<string, DampedCovariance>(StringComparer.Ordinal);
        Parallel.ForEach(sums, kv =>
        {
            (string x, double[] sum) = kv;
            int d = (int)Math.Round(Math.Sqrt(sum.Length));
            var c = new Matrix(d, d);
            double n = Math.Max(1, rows[x]);
            for (int i = 0; i < sum.Length; i++)
            {
                c.Data[i] = (float)(sum[i] / n);
            }

            result[x] = Damp(c, corda.Damping);
        });

        return inputOf.Select(x => result.TryGetValue(x, out DampedCovariance? c)
            ? c
            : throw new ArgumentException($"The calibration batches produced no rows for input '{x}'.", nameof(corda))).ToArray();
    }

    /// <summary>The CorDA factors of one target from its weight M (in×out) and undamped input covariance C (in×in).</summary>
    public static FactorResult Factors(LowRankTarget t, Matrix m, Matrix covariance, LowRankOptions options) =>
        Factors(t, m, Damp(covariance, options.Corda!.Damping), options);

    /// <summary>The CorDA factors of one target from its weight M (in×out) and damped input covariance C'.</summary>
    public static FactorResult Factors(LowRankTarget t, Matrix m, DampedCovariance covariance, LowRankOptions options)
    {
        bool kpm = options.Method == LowRankMethod.CordaKpm;
        int d = t.InFeatures;
        (Matrix damped, double[] cholesky) = covariance;
        if (damped.Rows != d || damped.Cols != d)
        {
            throw new ArgumentException($"Covariance of {t.Module} is {damped.Rows}x{damped.Cols}; expected {d}x{d}.", nameof(covariance));
        }

        Matrix cm = MatrixOps.Multiply(damped, m);                       // C'·M = (W·C')ᵀ, in×out
        SvdResult svd = JacobiSvd.Compute(cm);
        int r = t.Rank;
        int k = svd.Rank;
        int start = kpm ? k - r : 0;
        SvdResult part = svd.Slice(start, r);
        Matrix v = Solve(cholesky, d, part.U);                            // V_r = C'⁻¹·P_r, in×r
        (Matrix a, Matrix b) = FactorInitializer.Split(part with { U = v }, t.Scale);
        double norm = m.FrobeniusNorm();
        double optimal = double.NaN;
        if (options.ReportOptimalError)
        {
            float[] s = JacobiSvd.SingularValues(m);
            optimal = norm > 0 ? Math.Sqrt(s.Skip(r).Sum(x => (double)x * x)) / norm : 0;
        }

        return new FactorResult(new AdapterFactors(t, a, b, options.Method), optimal, double.NaN, 0);
    }

    // C' = C + δ·mean(diag C)·I with δ doubled until the Cholesky factor exists (peft doubles δ until C'·C'⁻¹ ≈ I).
    internal static DampedCovariance Damp(Matrix c, double damping)
    {
        int d = c.Rows;
        double meanDiag = 0;
        for (int i = 0; i < d; i++)
        {
            meanDiag += c[i, i];
        }

        meanDiag = meanDiag > 0 ? meanDiag / d : 1.0;
        for (double delta = damping; delta < 1e6; delta *= 2)
        {
            Matrix damped = c.Clone();
            for (int i = 0; i < d; i++)
            {
                damped[i, i] += (float)(delta * meanDiag);
            }

            if (TryCholesky(damped, out double[] l))
            {
                return new DampedCovariance(damped, l);
            }
        }

        throw new ArgumentException("The input covariance stays singular under damping; give more calibration data.", nameof(c));
    }

    // Lower-triangular L with C = L·Lᵀ, row-major d×d, in double.
    private static bool TryCholesky(Matrix c, out double[] l)
    {
        int d = c.Rows;
        l = new double[d * d];
        for (int j = 0; j < d; j++)
        {
            ReadOnlySpan<double> lj = l.AsSpan(j * d, j);
            double diag = c[j, j] - System.Numerics.Tensors.TensorPrimitives.Dot(lj, lj);

            if (!(diag > 0))
            {
                return false;
            }

            double ljj = Math.Sqrt(diag);
            l[(j * d) + j] = ljj;
            for (int i = j + 1; i < d; i++)
            {
                double sum = c[i, j] - System.Numerics.Tensors.TensorPrimitives.Dot<double>(l.AsSpan(i * d, j), lj);
                l[(i * d) + j] = sum / ljj;
            }
        }

        return true;
    }

    // Solves (L·Lᵀ)·X = B for X (d×n), column by column in double.
    private static Matrix Solve(double[] l, int d, Matrix b)
    {
        int n = b.Cols;
        var x = new Matrix(d, n);
        double[] y = new double[d];
        for (int col = 0; col < n; col++)
        {
            for (int i = 0; i < d; i++)
            {
                double s = b[i, col] - System.Numerics.Tensors.TensorPrimitives.Dot<double>(l.AsSpan(i * d, i), y.AsSpan(0, i));
                y[i] = s / l[(i * d) + i];
            }

            for (int i = d - 1; i >= 0; i--)
            {
                double s = y[i];
                for (int p = i + 1; p < d; p++)
                {
                    s -= l[(p * d) + i] * y[p];
                }

                y[i] = s / l[(i * d) + i];
            }

            for (int i = 0; i < d; i++)
            {
                x[i, col] = (float)y[i];
            }
        }

        return x;
    }
}

/// <summary>A damped input covariance C' = C + δ·mean(diag C)·I (in×in) and its lower Cholesky factor L (row-major, double).</summary>
internal sealed record DampedCovariance(Matrix Damped, double[] Cholesky);
