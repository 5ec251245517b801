using System.Diagnostics;
using System.Text.Json;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Benchmarks.PissaInit;
using Pipelines.Onnx;

// PiSSA-fast initialisation time and error: Pipelines (managed randomized SVD) vs torch.svd_lowrank (peft's routine),
// side by side in one run. Usage: PissaInit [--quick] [--threads N] [--ref-dir DIR] [--breakdown RANK] [--variants RANK]
//   default: `lora init`'s initialisation (LowRankInitializer.Initialize, CLI defaults) vs ref_pissa.py at 1 and 2 threads;
//   --all [--skip-netlib] [--openblas DIR]: the earlier per-matrix comparison (p, niter variants, one 4096² matrix).
// --openblas DIR: a folder holding OpenBLAS's libblas.so.3/liblapack.so.3 (e.g. extracted from Debian's
// libopenblas0-pthread .deb); torch then also runs with LD_LIBRARY_PATH=DIR. Torch on Debian otherwise uses the
// reference (netlib) BLAS that python3-torch pulls in.
string? openBlas = null;
string refDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/bench"));
bool quick = false;
bool skipNetlib = false;
int threads = Environment.ProcessorCount;
bool threadsGiven = false;
bool all = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--openblas": openBlas = args[++i]; break;
        case "--ref-dir": refDir = args[++i]; break;
        case "--quick": quick = true; break;
        case "--skip-netlib": skipNetlib = true; break;
        case "--breakdown":
            Breakdown.Run(PretrainedModels.MiniLm().ModelPath, int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture), threads);
            return;
        case "--variants":
            VariantScan.Run(int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture), quick ? 3 : 7);
            return;
        case "--threads": threads = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); threadsGiven = true; break;
        case "--all": all = true; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
    }
}

string python = "/usr/bin/python3";
if (!all)
{
    LoraInitComparison.Run(python, Path.Combine(refDir, "ref_pissa.py"), threadsGiven ? [threads] : [1, 2], quick ? 1 : 3);
    return;
}

string refPissa = Path.Combine(refDir, "ref_pissa.py");
string refMatrix = Path.Combine(AppContext.BaseDirectory, "ref_matrix.py");
Console.WriteLine($"CPU threads {threads}, GEMM tile {Gemm.TileColumns} columns (Vector512: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated})");

PretrainedModelFiles files = PretrainedModels.MiniLm();
OnnxModel model = OnnxModelIO.Load(files.ModelPath);
var inits = model.Graph.InitializerMap();
var mats = new List<Matrix>();
foreach (OnnxNode n in model.Graph.Nodes.Where(n => n.OpType == "MatMul"))
{
    foreach (string x in n.Inputs)
    {
        if (inits.TryGetValue(x, out OnnxTensor? t) && t.Dims.Length == 2)
        {
            mats.Add(Matrix.FromSpan((int)t.Dims[0], (int)t.Dims[1], t.AsSpan<float>()));
        }
    }
}

Console.WriteLine($"all-MiniLM-L6-v2: {mats.Count} MatMul weights");
float[][] spectra = mats.Select(JacobiSvd.SingularValues).ToArray();
var rows = new List<object>();
foreach (int rank in new[] { 16, 64 })
{
    double[] opt = spectra.Select((s, i) => Math.Sqrt(s.Skip(rank).Sum(v => (double)v * v)) / mats[i].FrobeniusNorm()).ToArray();
    var torch = new List<(string Name, JsonElement Json)>();
    if (!skipNetlib)
    {
        torch.Add(("torch (Debian netlib BLAS)", PythonPeer.Run(python, [refPissa, files.ModelPath, $"{rank}", "4", $"{threads}"], null)));
    }

    if (openBlas is not null)
    {
        torch.Add(("torch + OpenBLAS", PythonPeer.Run(python, [refPissa, files.ModelPath, $"{rank}", "4", $"{threads}"], openBlas)));
    }

    foreach ((string label, int p, int q) in new[] { ("ours p=0 niter=4 (torch's settings)", 0, 4), ("ours p=8 niter=2", 8, 2), ("ours p=8 niter=4", 8, 4) })
    {
        (double seconds, double cold, double meanErr, double meanExcess) = RunOurs(mats, rank, p, q, opt, quick ? 1 : 3, threads);
        Console.WriteLine($"r={rank,-3} {label,-38} {seconds,8:F3} s (first run {cold:F3} s)  mean rel err {meanErr:F5}  mean excess {meanExcess:E2}");
        foreach ((string name, JsonElement j) in torch)
        {
            double ts = j.GetProperty("seconds").GetDouble();
            double te = j.GetProperty("mean_excess").GetDouble();
            Console.WriteLine($"      vs {name,-28} {ts,8:F3} s  mean rel err {j.GetProperty("mean_rel_err").GetDouble():F5}  mean excess {te:E2}  → time ratio {seconds / ts:F3}×, excess ratio {meanExcess / te:F3}");
            rows.Add(new { rank, ours = label, peer = name, seconds, torch_seconds = ts, ratio = seconds / ts, excess = meanExcess, torch_excess = te });
        }
    }
}

// One 4096×4096 matrix, r = 64, niter = 4.
int big = quick ? 1024 : 4096;
var w = new Matrix(big, big);
new GaussianSampler(20260101).Fill(w.Data);
string raw = Path.Combine(Path.GetTempPath(), $"pissa-bench-{big}.f32");
File.WriteAllBytes(raw, System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.Data.AsSpan()).ToArray());
try
{
    var peers = new List<(string Name, JsonElement Json)>();
    if (!skipNetlib)
    {
        peers.Add(("torch (Debian netlib BLAS)", PythonPeer.Run(python, [refMatrix, raw, $"{big}", $"{big}", "64", "4", $"{threads}", "1"], null)));
    }

    if (openBlas is not null)
    {
        peers.Add(("torch + OpenBLAS", PythonPeer.Run(python, [refMatrix, raw, $"{big}", $"{big}", "64", "4", $"{threads}", "3"], openBlas)));
    }

    foreach ((string label, int p, int q) in new[] { ("ours p=0 niter=4", 0, 4), ("ours p=8 niter=4", 8, 4) })
    {
        (double seconds, double cold, double err, _) = RunOurs([w], 64, p, q, [double.NaN], 3, threads, innerThreads: threads);
        Console.WriteLine($"{big}x{big} r=64 {label,-20} {seconds,8:F3} s (first {cold:F3} s)  rel err {err:F6}");
        foreach ((string name, JsonElement j) in peers)
        {
            double ts = j.GetProperty("seconds").GetDouble();
            Console.WriteLine($"      vs {name,-28} {ts,8:F3} s  rel err {j.GetProperty("rel_err").GetDouble():F6}  → time ratio {seconds / ts:F3}×");
        }
    }
}
finally
{
    File.Delete(raw);
}

static (double Best, double Cold, double MeanErr, double MeanExcess) RunOurs(List<Matrix> mats, int rank, int p, int niter, double[] opt, int reps, int threads, int innerThreads = 1)
{
    double best = double.MaxValue;
    double cold = 0;
    double[] errs = new double[mats.Count];
    int outer = innerThreads > 1 ? 1 : threads;
    for (int rep = 0; rep < reps; rep++)
    {
        var sw = Stopwatch.StartNew();
        Parallel.For(0, mats.Count, new ParallelOptions { MaxDegreeOfParallelism = outer }, i =>
        {
            Matrix m = mats[i];
            RandomizedSvdResult r = RandomizedSvd.Compute(m, new RandomizedSvdOptions { Rank = rank, Oversampling = p, PowerIterations = niter, Seed = (ulong)i, MaxThreads = innerThreads });
            // PiSSA split (s = 1) and W_res = W − A·B, as the torch loop does.
            SvdResult svd = r.Svd;
            Matrix a = svd.U.Clone();
            Matrix b = svd.Vt.Clone();
            for (int j = 0; j < rank; j++)
            {
                float f = MathF.Sqrt(svd.S[j]);
                for (int k = 0; k < a.Rows; k++)
                {
                    a[k, j] *= f;
                }

                System.Numerics.Tensors.TensorPrimitives.Multiply(b.Row(j), f, b.Row(j));
            }

            Matrix res = m.Clone();
            Gemm.Multiply(a.Data, false, b.Data, false, res.Data, m.Rows, m.Cols, rank, alpha: -1f, beta: 1f, maxThreads: innerThreads);
            errs[i] = res.FrobeniusNorm() / m.FrobeniusNorm();
        });
        double t = sw.Elapsed.TotalSeconds;
        if (rep == 0)
        {
            cold = t;
        }

        best = Math.Min(best, t);
    }

    double meanExcess = errs.Select((e, i) => (e / opt[i]) - 1).Average();
    return (best, cold, errs.Average(), meanExcess);
}
