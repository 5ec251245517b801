// Encoding throughput on real molecules (micro-ZINC, ZINC-sized graphs) and NCI109: spectra (dense float64, Lanczos),
// LapPE, RWSE and the SPE forward pass (ONNX Runtime, float32), next to the reference pre-transform cost (torch.linalg.eigh
// float32 per graph, as SPE's code does; dense RWSE as PyG does) run by ref_spectra.py in the same run.
// Run: dotnet run -c Release --project benchmarks/GraphEncodings -- [threads]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
const int K = 16;
var sets = new List<(string Name, List<GraphStructure> Graphs)>();
string zinc = FindShared("molecules/micro_zinc/micro_ZINC.csv");
string nci = FindShared("graphs/tu/NCI109");
if (File.Exists(zinc))
{
    var recs = SmilesCsvReader.Read(zinc, "SMILES", "score");
    var vocab = AtomTypeVocabulary.Build(recs.Select(r => r.Molecule));
    sets.Add(("micro-ZINC", recs.Select(r => vocab.ToGraph(r.Molecule).ToStructure()).ToList()));
}

if (Directory.Exists(nci))
{
    sets.Add(("NCI109", TuDatasetReader.Read(nci).Graphs.Select(g => g.ToStructure()).ToList()));
}

if (sets.Count == 0)
{
    Console.WriteLine("../shared/data not found: nothing to measure.");
    return;
}

Console.WriteLine($"threads={threads}, K={K}, CPU cores={Environment.ProcessorCount}");
Console.WriteLine($"{"set",-11} {"graphs",6} {"mean n",6} | {"stage",-34} {"graphs/s",10} {"ms/graph",9} {"vs torch",9}");
foreach ((string name, List<GraphStructure> graphs) in sets)
{
    double meanN = graphs.Average(g => g.NodeCount);
    var peer = RunPeer(graphs, threads);
    void Row(string stage, double seconds, double? peerSeconds = null)
    {
        double gps = graphs.Count / seconds;
        string ratio = peerSeconds is double p ? $"{p / seconds,8:F2}x" : "";
        Console.WriteLine($"{name,-11} {graphs.Count,6} {meanN,6:F1} | {stage,-34} {gps,10:F0} {1000 * seconds / graphs.Count,9:F3} {ratio,9}");
    }

    LaplacianSpectrum.ComputeMany(graphs.Take(200).ToList(), new SpectrumOptions(K: K, Solver: EigensolverKind.Dense), null, threads); // JIT warm-up
    LaplacianSpectrum.ComputeMany(graphs.Take(200).ToList(), new SpectrumOptions(K: K, Solver: EigensolverKind.Lanczos), null, threads);
    Spectrum[] dense = [];
    double tDense = Time(() => dense = LaplacianSpectrum.ComputeMany(graphs, new SpectrumOptions(K: K, Solver: EigensolverKind.Dense), null, threads));
    Row("spectrum dense f64 (ours)", tDense, peer?.Eigh);
    if (peer is not null)
    {
        Row("spectrum torch.eigh f32 (ref)", peer.Eigh);
        // The same pairs on both sides: the reference keeps the lowest min(n, K); our default (SpectrumTruncation.Full) keeps
        // all n for graphs up to SpectrumOptions.FullNodeLimit, so only its lowest min(n, K) enter the checksum.
        double ours = dense.Sum(s => s.Values.Take(Math.Min(s.Values.Length, K)).Sum());
        Console.WriteLine($"{"",-26} | eigenvalue checksum (lowest min(n, K) per graph) ours {ours:F4} vs torch {peer.EigSum:F4}");
    }

    double tLanczos = Time(() => LaplacianSpectrum.ComputeMany(graphs, new SpectrumOptions(K: K, Solver: EigensolverKind.Lanczos), null, threads));
    Row("spectrum Lanczos k=16 (ours)", tLanczos, peer?.Eigh);
    var cache = new SpectrumCache();
    LaplacianSpectrum.ComputeMany(graphs, new SpectrumOptions(K: K), cache, threads);
    double tCached = Time(() => LaplacianSpectrum.ComputeMany(graphs, new SpectrumOptions(K: K), cache, threads));
    Row($"spectrum cached (hits {cache.Hits})", tCached);
    double tLap = Time(() =>
    {
        foreach (Spectrum s in dense)
        {
            var pe = new float[s.NodeCount * K];
            LaplacianEigenvectorEncoding.Compute(s, K, pe);
        }
    });
    Row("LapPE from spectrum", tLap);
    double tRw = Time(() => Parallel.ForEach(graphs, new ParallelOptions { MaxDegreeOfParallelism = threads }, g =>
    {
        var pe = new float[g.NodeCount * K];
        RandomWalkEncoding.Compute(g, K, pe);
    }));
    Row("RWSE k=16 (ours)", tRw, peer?.Rwse);
    if (peer is not null)
    {
        Row("RWSE dense torch (ref)", peer.Rwse);
    }

    foreach ((string label, SpeOptions o) in new[]
    {
        ("SPE fwd m=8 GIN 3x32 p=16", new SpeOptions(EigenvalueFunctions: 8, RhoLayers: 3, RhoHiddenSize: 32, OutputSize: 16)),
        ("SPE fwd m=16 GIN 8x128 p=37 (ZINC)", new SpeOptions(EigenvalueFunctions: 16, RhoLayers: 8, RhoHiddenSize: 128, OutputSize: 37)),
    })
    {
        var settings = new Pipelines.Onnx.Runtime.SessionSettings { IntraOpThreads = threads };
        using var enc = new SpeEncoder(SpeParameters.Initialize(o), TensorElementType.Float, settings);
        var subset = graphs.Take(Math.Min(graphs.Count, o.RhoHiddenSize > 64 ? 128 : graphs.Count)).ToList();
        enc.Encode(subset.Take(8).ToList(), dense.Take(8).ToList(), K, 8); // warm-up
        double t = Time(() => enc.Encode(subset, dense.Take(subset.Count).ToList(), K, 32));
        double gps = subset.Count / t;
        Console.WriteLine($"{name,-11} {subset.Count,6} {meanN,6:F1} | {label,-34} {gps,10:F0} {1000 * t / subset.Count,9:F3}");
    }
}

static double Time(Action a)
{
    var sw = Stopwatch.StartNew();
    a();
    return sw.Elapsed.TotalSeconds;
}

static Peer? RunPeer(List<GraphStructure> graphs, int threads)
{
    string script = Path.Combine(AppContext.BaseDirectory, "ref_spectra.py");
    string file = Path.Combine(Path.GetTempPath(), $"graphs-{Environment.ProcessId}.txt");
    File.WriteAllLines(file, graphs.Select(g => string.Join(' ', new[] { g.NodeCount }.Concat(Enumerable.Range(0, g.EdgeCount).SelectMany(e => new[] { g.EdgeU[e], g.EdgeV[e] })))));
    try
    {
        var psi = new ProcessStartInfo("/usr/bin/python3", $"{script} {file} {16} {threads}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.WriteLine($"(reference script failed: {err.Trim().Split('\n').LastOrDefault()})");
            return null;
        }

        using var doc = JsonDocument.Parse(output.Trim().Split('\n').Last());
        JsonElement r = doc.RootElement;
        return new Peer(r.GetProperty("eigh_s").GetDouble(), r.GetProperty("rwse_s").GetDouble(), r.GetProperty("eig_sum").GetDouble());
    }
    catch (System.ComponentModel.Win32Exception)
    {
        Console.WriteLine("(python3 not found: reference skipped)");
        return null;
    }
    finally
    {
        File.Delete(file);
    }
}

static string FindShared(string relative)
{
    string? dir = Directory.GetCurrentDirectory();
    while (dir is not null)
    {
        foreach (string c in new[] { Path.Combine(dir, "shared", "data", relative), Path.Combine(dir, "..", "shared", "data", relative) })
        {
            if (File.Exists(c) || Directory.Exists(c))
            {
                return Path.GetFullPath(c);
            }
        }

        dir = Path.GetDirectoryName(dir);
    }

    return relative;
}

internal sealed record Peer(double Eigh, double Rwse, double EigSum);
