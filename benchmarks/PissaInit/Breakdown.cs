using System.Diagnostics;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks.PissaInit;

/// <summary>
/// Where the time of <c>pipelines lora init --method pissa-fast</c> goes: the phases of
/// <see cref="LowRankInitializer.Initialize"/> outside the SVDs, and the steps of the randomized SVD (its GEMMs and, for
/// comparison, Householder QR in place of its Cholesky-QR2), each timed over all targets on one thread (process CPU time).
/// </summary>
internal static class Breakdown
{
    public static void Run(string modelPath, int rank, int threads)
    {
        var sw = Stopwatch.StartNew();
        s_cpu = Process.GetCurrentProcess().TotalProcessorTime;
        OnnxModel model = OnnxModelIO.Load(modelPath);
        Report("load ONNX", sw);
        LowRankOptions options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = rank, Seed = 3, MaxThreads = threads };
        IReadOnlyList<LowRankTarget> targets = LowRankTargets.Resolve(model, options);
        Report("resolve targets", sw);
        OnnxModel clone = model.Clone();
        Report("model.Clone() (before)", sw);
        _ = model.CloneSharingData();
        Report("model.CloneSharingData()", sw);
        _ = LowRankInitializer.Sha256(model);
        Report("Sha256 of the serialization", sw);
        string fileHash = ModelFolder.Sha256File(modelPath);
        Report("Sha256File (lora init, outside)", sw);
        options = options with { BaseModelSha256 = fileHash };
        Matrix[] mats = targets.Select(t =>
        {
            OnnxTensor w = clone.Graph.FindInitializer(t.Weight.Initializer)!;
            var m = Matrix.FromSpan((int)w.Dims[0], (int)w.Dims[1], w.AsSpan<float>());
            return t.Weight.Transposed ? m.Transpose() : m;
        }).ToArray();
        Report("read weights", sw);

        // The randomized SVD's steps, one thread, all targets (l = r, p = 0, niter = 4, 10 bound probes).
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        void Time(string name, Action a)
        {
            // Process CPU time: these steps run on one thread, and CPU time is less disturbed by other load than wall time.
            TimeSpan t0 = Process.GetCurrentProcess().TotalProcessorTime;
            a();
            steps[name] = steps.GetValueOrDefault(name) + (Process.GetCurrentProcess().TotalProcessorTime - t0).TotalSeconds;
        }

        for (int rep = 0; rep < 2; rep++)
        {
            steps.Clear();
            foreach (Matrix a in mats)
            {
                int m = a.Rows, n = a.Cols, l = rank;
                float[] omega = new float[n * l];
                Time("sample Ω", () => new GaussianSampler(1).Fill(omega));
                var y = new Matrix(m, l);
                var z = new Matrix(n, l);
                Matrix q = y;
                Time("GEMM A·X", () => Gemm.Multiply(a.Data, false, omega, false, y.Data, m, l, n, maxThreads: 1));
                Time("QR", () => q = HouseholderQr.Factor(y).Q);
                for (int it = 0; it < 4; it++)
                {
                    Time("GEMM Aᵀ·X", () => Gemm.Multiply(a.Data, true, q.Data, false, z.Data, n, l, m, maxThreads: 1));
                    Matrix qz = z;
                    Time("QR", () => qz = HouseholderQr.Factor(z).Q);
                    Time("GEMM A·X", () => Gemm.Multiply(a.Data, false, qz.Data, false, y.Data, m, l, n, maxThreads: 1));
                    Time("QR", () => q = HouseholderQr.Factor(y).Q);
                }

                Time("GEMM Aᵀ·X", () => Gemm.Multiply(a.Data, true, q.Data, false, z.Data, n, l, m, maxThreads: 1));
                Matrix r = z;
                Matrix q2t = z;
                Time("QR", () => q2t = HouseholderQr.FactorTransposed(z, out r));
                SvdResult small = null!;
                Time("Jacobi SVD ℓ×ℓ", () => small = JacobiSvd.Compute(r));
                Time("U, Vᵀ products", () =>
                {
                    _ = MatrixOps.Multiply(q, small.Vt.RowRange(0, rank), transposeB: true, maxThreads: 1);
                    _ = MatrixOps.Multiply(small.U.Columns(0, rank), q2t, transposeA: true, maxThreads: 1);
                });
                float[] w = new float[n * 10];
                float[] aw = new float[m * 10];
                Time("bound probes A·ω", () => Gemm.Multiply(a.Data, false, w, false, aw, m, 10, n, maxThreads: 1));
                Time("W_res = W − A·B", () =>
                {
                    Matrix res = a.Clone();
                    Gemm.Multiply(y.Data, false, z.Data, true, res.Data, m, n, rank, alpha: -1f, beta: 1f, maxThreads: 1);
                });
            }
        }

        for (int rep = 0; rep < 2; rep++)
        {
            steps.Remove("RandomizedSvd.Compute (all)");
            for (int i = 0; i < mats.Length; i++)
            {
                var o = new RandomizedSvdOptions { Rank = rank, Oversampling = LowRankOptions.Defaults.Oversampling, PowerIterations = 4, Seed = (ulong)i, BoundProbes = 10, MaxThreads = 1 };
                Time("RandomizedSvd.Compute (all)", () => RandomizedSvd.Compute(mats[i], o));
            }
        }

        Console.WriteLine($"  RandomizedSvd.Compute (p = {LowRankOptions.Defaults.Oversampling}), all targets, one thread: {steps["RandomizedSvd.Compute (all)"] * 1000:F1} ms");
        steps.Remove("RandomizedSvd.Compute (all)");
        double total = steps.Values.Sum();
        foreach ((string name, double s) in steps.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine($"  svd step {name,-22} {s * 1000,8:F1} ms  ({100 * s / total:F0}%)");
        }

        Console.WriteLine($"  svd steps total (one thread)   {total * 1000,8:F1} ms");
        sw.Restart();
        for (int rep = 0; rep < 3; rep++)
        {
            sw.Restart();
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            AdaptedModel adapted = LowRankInitializer.Initialize(model, options);
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
            Console.WriteLine($"  Initialize (threads {threads}): {sw.Elapsed.TotalMilliseconds:F1} ms wall, {cpu:F0} ms CPU, report {adapted.Report.Seconds * 1000:F1} ms, sum of per-layer {adapted.Report.Layers.Sum(l => l.Seconds) * 1000:F1} ms");
        }
    }

    private static TimeSpan s_cpu = Process.GetCurrentProcess().TotalProcessorTime;

    private static void Report(string what, Stopwatch sw)
    {
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        Console.WriteLine($"  {what,-30} {sw.Elapsed.TotalMilliseconds,8:F1} ms wall, {(cpu - s_cpu).TotalMilliseconds,8:F0} ms CPU");
        s_cpu = cpu;
        sw.Restart();
    }
}
