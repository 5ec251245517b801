// Long mode of the issue-19 fuzz suite: N seeded cases per input kind (default 10,000; the tests run 200), each with a
// per-case time limit. Prints an outcomes table (success / typed error / internal / hang), the slowest case and the
// process's peak memory, and lists the seeds of internal errors and hangs (rerun one with Fuzz.Mutate or --first).
// Usage: dotnet run -c Release --project benchmarks/Fuzz -- [--cases N] [--first SEED] [--kinds "smiles csv,checkpoint"] [--limit-s 5]
using System.Diagnostics;
using System.Globalization;
using Pipelines.Testing;

int cases = 10_000;
int first = 1;
double limit = 5;
IReadOnlyList<string> kinds = FuzzKinds.Names;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--cases": cases = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--first": first = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--limit-s": limit = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--kinds": kinds = args[i + 1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

string work = Path.Combine(Path.GetTempPath(), "pipelines-fuzz-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(work);
Console.WriteLine($"{cases:N0} cases per kind from seed {first}, limit {limit} s per case");
Console.WriteLine($"{"kind",-14} {"cases",8} {"success",8} {"typed",8} {"internal",9} {"hang",5} {"seconds",8} {"slowest ms",11} {"peak MiB",9}");
int bad = 0;
var failures = new List<string>();
foreach (string name in kinds)
{
    string dir = Path.Combine(work, name.Replace(' ', '_'));
    Directory.CreateDirectory(dir);
    FuzzKind kind = FuzzKinds.Get(name, dir);
    var watch = Stopwatch.StartNew();
    var counts = new int[4];
    double slowest = 0;
    int done = 0;

    // In chunks, deleting the chunk's files, so that the disk use stays small.
    for (int start = first; start < first + cases; start += 500)
    {
        int n = Math.Min(500, first + cases - start);
        foreach (FuzzResult r in Fuzz.Run(kind.Corpus(n, start), kind.Read, TimeSpan.FromSeconds(limit)))
        {
            counts[(int)r.Outcome]++;
            slowest = Math.Max(slowest, r.Elapsed.TotalMilliseconds);
            if (r.Outcome is FuzzOutcome.Internal or FuzzOutcome.Hang)
            {
                failures.Add($"{name} seed {r.Case.Seed} [{r.Case.Mutation}]: {r.Outcome} {r.Error?.GetType().Name}: {r.Error?.Message}");
            }
        }

        done += n;
        foreach (string entry in Directory.EnumerateFileSystemEntries(dir).Where(e => !Path.GetFileName(e).StartsWith("original", StringComparison.Ordinal)))
        {
            try
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    bad += counts[2] + counts[3];
    long peak = Process.GetCurrentProcess().PeakWorkingSet64 >> 20;
    Console.WriteLine($"{name,-14} {done,8:N0} {counts[0],8:N0} {counts[1],8:N0} {counts[2],9:N0} {counts[3],5:N0} {watch.Elapsed.TotalSeconds,8:F1} {slowest,11:F0} {peak,9:N0}");
}

foreach (string f in failures.Take(50))
{
    Console.WriteLine(f);
}

try
{
    Directory.Delete(work, recursive: true);
}
catch (IOException)
{
}

return bad == 0 ? 0 : 1;
