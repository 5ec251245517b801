using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipelines.Onnx;

namespace Pipelines.Benchmarks;

/// <summary>
/// Our MiniLM LoRA step (<see cref="MiniLmStep"/>) next to ref_train.py's in one run: for each round, each thread count,
/// float32 and int8 frozen weights, then PyTorch, each in a fresh child process (peak RSS per configuration); prints the
/// minimum over the rounds and the ratios.
/// </summary>
internal static class MiniLmComparison
{
    // ≈ FLOPs of one step (forward 2·P·T for the 21.3 M encoder MatMul weights over B·T = 1024 tokens, backward input
    // gradients the same again, attention and adapters), as the engine's issue states it
    private const double GigaFlopsPerStep = 45;

    public static int Run(string[] args)
    {
        int rounds = MiniLmStep.IntArg(args, "--rounds", 3);
        int steps = MiniLmStep.IntArg(args, "--minilm-steps", 10);
        int[] threads = [.. (MiniLmStep.StringArg(args, "--threads-list") ?? "1,2").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))];
        string[] precisions = (MiniLmStep.StringArg(args, "--precisions") ?? "float32,int8").Split(',');
        string[] extra = [.. args.Where(a => a is "--no-arena" or "--memory-pattern" or "--shrink-arena" or "--exact-arena" or "--checkpoint-blocks")];
        string? reference = MiniLmStep.StringArg(args, "--ref") ?? FindReference();
        bool skipRef = args.Contains("--skip-ref") || reference is null;
        string model = PretrainedModels.MiniLm().ModelPath;
        Console.WriteLine($"MiniLM LoRA r8 step, batch {MiniLmStep.Batch}, seq {MiniLmStep.Seq}: min of {rounds} rounds, {steps} timed steps each, one process per measurement{(extra.Length > 0 ? ", ORT " + string.Join(' ', extra) : "")}");
        if (skipRef)
        {
            Console.WriteLine(reference is null ? "ref_train.py not found (give --ref PATH); PyTorch column skipped" : "PyTorch column skipped (--skip-ref)");
        }

        var results = new Dictionary<string, List<(double Ms, double Mb)>>(StringComparer.Ordinal);
        void Add(string key, double ms, double mb)
        {
            if (!results.TryGetValue(key, out List<(double, double)>? list))
            {
                results[key] = list = [];
            }

            list.Add((ms, mb));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-22} {ms,8:F1} ms/step  {mb,7:F0} MB peak RSS"));
        }

        for (int r = 0; r < rounds; r++)
        {
            Console.WriteLine($"round {r + 1}");
            foreach (int t in threads)
            {
                foreach (string p in precisions)
                {
                    string[] childArgs = ["--minilm-worker", "--threads", t.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture), "--precision", p, .. extra];
                    (string stdout, _) = RunChild(OwnCommand(childArgs));
                    using JsonDocument json = JsonDocument.Parse(LastJsonLine(stdout));
                    Add($"ours {p} t{t}", json.RootElement.GetProperty("ms_per_step").GetDouble(), json.RootElement.GetProperty("peak_rss_mb").GetDouble());
                    if (r == 0)
                    {
                        Console.WriteLine($"    {LastJsonLine(stdout)}");
                    }
                }

                if (!skipRef)
                {
                    (string stdout, string stderr) = RunChild(("/usr/bin/time", ["-f", "PEAK_RSS_KB %M", "env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE",
                        "/usr/bin/python3", reference!, "minilm", model, t.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture)]));
                    using JsonDocument json = JsonDocument.Parse(LastJsonLine(stdout));
                    string peak = stderr.Split('\n').Last(l => l.StartsWith("PEAK_RSS_KB", StringComparison.Ordinal));
                    Add($"pytorch float32 t{t}", json.RootElement.GetProperty("ms_per_step").GetDouble(), double.Parse(peak[12..], CultureInfo.InvariantCulture) / 1024);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"configuration",-22} {"ms/step",9} {"GFLOP/s",8} {"peak MB",8} {"time/torch",11} {"RSS/torch",10}");
        foreach (int t in threads)
        {
            (double Ms, double Mb)? torch = results.TryGetValue($"pytorch float32 t{t}", out List<(double Ms, double Mb)>? tl) ? (tl.Min(x => x.Ms), tl.Min(x => x.Mb)) : null;
            foreach (string key in results.Keys.Where(k => k.EndsWith($" t{t}", StringComparison.Ordinal)))
            {
                double ms = results[key].Min(x => x.Ms);
                double mb = results[key].Min(x => x.Mb);
                string ratios = torch is { } tr ? string.Create(CultureInfo.InvariantCulture, $"{ms / tr.Ms,10:F2}x {mb / tr.Mb,9:F2}x") : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-22} {ms,9:F1} {GigaFlopsPerStep * 1000 / ms,8:F1} {mb,8:F0} {ratios}"));
            }
        }

        foreach (string p in precisions)
        {
            if (threads.Contains(1) && threads.Contains(2) && results.ContainsKey($"ours {p} t1") && results.ContainsKey($"ours {p} t2"))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours {p}: 2 threads / 1 thread speed-up {results[$"ours {p} t1"].Min(x => x.Ms) / results[$"ours {p} t2"].Min(x => x.Ms):F2}x"));
            }
        }

        return 0;
    }

    private static (string File, string[] Args) OwnCommand(string[] args)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? (host, [typeof(MiniLmComparison).Assembly.Location, .. args])
            : (host, args);
    }

    private static (string Stdout, string Stderr) RunChild((string File, string[] Args) command)
    {
        var info = new ProcessStartInfo(command.File) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command.Args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command.File}.");
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command.File} {string.Join(' ', command.Args)} exited with {p.ExitCode}: {err.Result}");
        }

        return (stdout, err.Result);
    }

    private static string LastJsonLine(string stdout) => stdout.Split('\n').Last(l => l.TrimStart().StartsWith('{'));

    private static string? FindReference()
    {
        for (DirectoryInfo? d = new(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(d.FullName, "shared", "bench", "ref_train.py"), Path.Combine(d.FullName, "..", "shared", "bench", "ref_train.py") })
            {
                if (File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }
}
