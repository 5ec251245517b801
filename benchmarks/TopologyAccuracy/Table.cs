using System.Diagnostics;
using System.Globalization;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// The accuracy table of docs/topology-recipes.md: Hilbert vs Euler vs rank vs MMA features of one recipe per data
/// family, the classifier picked by cross-validation on training rows only (<see cref="Classifiers"/>), and 1-NN DTW
/// (<see cref="Dtw"/>) beside the UCR rows. UCR: official train/test split; the family recipe (delay τ, whether the
/// series' own sublevel filtration is concatenated) is chosen by the mean 5-fold CV accuracy of Hilbert features over
/// the training splits of all six sets, then used for every invariant. TU and activities: 10-fold CV; inside each
/// outer fold, the preset (TU) and the classifier are chosen by 3-fold CV on that fold's training rows. Grids of TU and
/// activities are fitted on all rows once (label-free, transductive); UCR grids on the training split only.
/// </summary>
internal static class Table
{
    private static readonly string[] s_invariants = ["hilbert", "euler", "mma", "rank"];

    /// <summary>Gets or sets the UCR family recipe fixed on the command line (<c>--recipe</c>), skipping its selection.</summary>
    public static string? FixedRecipe { get; set; }

    public static void Run(string data, string? only, string[] invariants)
    {
        invariants = invariants.Length == 0 ? s_invariants : invariants;
        Console.WriteLine($"TopologyAccuracy table  cores={Environment.ProcessorCount}  {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        string[] ucr = ["ECG200", "GunPoint", "Coffee", "ItalyPowerDemand", "TwoLeadECG", "Trace"];
        string[] ucrSets = [.. ucr.Where(s => only is null || only == s || only == "ucr")];
        if (ucrSets.Length > 0)
        {
            Ucr(data, ucrSets, invariants);
        }

        if (only is null || only == "COX2-labels")
        {
            TuLabels(Path.Combine(data, "graphs", "tu", "COX2"));
        }

        foreach (string tu in new[] { "COX2", "MUTAG" })
        {
            if (only is null || only == tu || only == "tu")
            {
                Tu(Path.Combine(data, "graphs", "tu", tu), invariants);
            }
        }

        if (only is null || only == "activities")
        {
            Activities(Path.Combine(data, "pointclouds", "activities", "activities_p1_left_leg.csv"), invariants);
        }
    }

    // ---------------------------------------------------------------- UCR

    /// <summary>
    /// A UCR family recipe: delay-embedding τ (1, or 0 for L/20) of the function-Rips part, and which sublevel × time
    /// parts (<see cref="SeriesFiltration"/>) are concatenated to it: the series' own (x and −x), its first difference,
    /// convolved at σ = 0.1 or at three scales (0.05, 0.1, 0.2), on the 20 × 20 grid or a finer 40 × 40 one.
    /// </summary>
    private sealed record UcrRecipe(int Delay, bool Sublevel, bool Difference = false, bool MultiScale = false, bool Fine = false, bool Narrow = false)
    {
        public string Name => $"{(Delay < 0 ? "no delay" : $"delay (3,{(Delay == 0 ? "L/20" : "1")})")}{(Sublevel ? " + sublevel×time" : "")}{(Difference ? " + Δ" : "")}{(MultiScale ? ", σ×3" : "")}{(Fine ? ", 40² grid" : "")}{(Narrow ? ", σ 0.05" : "")}";

        public string Key => $"{(Delay < 0 ? "none" : Delay == 0 ? "L20" : "1")}{(Sublevel ? "+sublevel" : "")}{(Difference ? "+diff" : "")}{(MultiScale ? "*ms" : "")}{(Fine ? "*fine" : "")}{(Narrow ? "*narrow" : "")}";

        /// <summary>Gets a value indicating whether the recipe has a delay-embedding function-Rips part.</summary>
        public bool HasDelay => Delay >= 0;

        public int DelayFor(int length) => Delay == 0 ? Math.Max(1, length / 20) : 1;

        /// <summary>The sublevel × time parts of the recipe.</summary>
        public IEnumerable<SeriesFiltration> Parts()
        {
            if (Sublevel)
            {
                yield return SeriesFiltration.SublevelTime;
            }

            if (Difference)
            {
                yield return SeriesFiltration.DifferenceSublevelTime;
            }
        }

        public float[] Bandwidths => MultiScale ? [0.05f, 0.1f, 0.2f] : [Fine || Narrow ? 0.05f : 0.1f];
    }

    /// <summary>Every candidate of the family selection (<c>--candidates</c> restricts it to some keys).</summary>
    private static readonly UcrRecipe[] s_recipes =
    [
        new(1, false), new(0, false), new(1, true), new(0, true),
        new(1, true, Difference: true), new(1, true, MultiScale: true), new(1, true, Difference: true, MultiScale: true), new(1, true, Fine: true),
        new(-1, true), new(-1, true, Difference: true), new(1, true, Narrow: true),
    ];

    /// <summary>Gets or sets the candidate keys of the UCR family selection (<c>--candidates</c>); null = all.</summary>
    public static string[]? Candidates { get; set; }

    private static void Ucr(string data, string[] sets, string[] invariants)
    {
        var split = new Dictionary<string, (float[][] Train, string[] TrainY, float[][] Test, string[] TestY)>();
        foreach (string s in sets)
        {
            string folder = Path.Combine(data, "timeseries", "ucr", s);
            (float[][] x, string[] y) Read(string part)
            {
                IReadOnlyList<TopologySample> rows = TopologyDataset.ReadUcr(Path.Combine(folder, $"{s}_{part}.tsv")).Rows;
                return ([.. rows.Select(r => ZNormalise(r.Values))], [.. rows.Select(r => r.Label)]);
            }

            (float[][] tr, string[] trY) = Read("TRAIN");
            (float[][] te, string[] teY) = Read("TEST");
            split[s] = (tr, trY, te, teY);
        }

        Console.WriteLine();
        Console.WriteLine("UCR (official split; series z-normalised). 1-NN DTW: full DTW (window 100%), squared differences.");
        var dtw = new Dictionary<string, double>();
        foreach (string s in sets)
        {
            var sw = Stopwatch.StartNew();
            dtw[s] = Dtw.OneNearestNeighbour(split[s].Train, split[s].TrainY, split[s].Test, split[s].TestY);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  1-NN DTW {s,-18} {dtw[s]:F3}  ({sw.Elapsed.TotalSeconds:F1} s)"));
        }

        // Family recipe by train CV of Hilbert features (mean over the sets).
        UcrRecipe[] recipes = FixedRecipe is not null ? s_recipes : [.. s_recipes.Where(r => Candidates is null || Candidates.Contains(r.Key))];
        var score = new double[recipes.Length];
        if (FixedRecipe is { } fixedRecipe)
        {
            // A recipe chosen by an earlier run's train CV (its log is in benchmarks/TopologyAccuracy/README.md).
            score[Array.FindIndex(recipes, r => r.Key == fixedRecipe)] = 1;
        }

        foreach (string s in FixedRecipe is null ? sets : [])
        {
            (float[][] tr, string[] trY, _, _) = split[s];
            var cache = new Dictionary<int, float[][]>();
            for (int r = 0; r < recipes.Length; r++)
            {
                int delay = recipes[r].HasDelay ? recipes[r].DelayFor(tr[0].Length) : -1;
                if (delay < 0)
                {
                    cache[delay] = [.. tr.Select(_ => Array.Empty<float>())];
                }

                if (!cache.TryGetValue(delay, out float[][]? rips))
                {
                    rips = SeriesFeatures("hilbert", tr, trY, tr, delay, out _).Test;
                    cache[delay] = rips;
                }

                float[][] x = Concat(rips, SublevelFeatures("hilbert", recipes[r], tr, tr).Test);
                double best = Classifiers.Names.Max(c => Classifiers.CrossValidate(c, x, trY, 5));
                score[r] += best / sets.Length;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  recipe CV {s,-18} {recipes[r].Name,-34} {best:F3}"));
            }
        }

        int chosen = Array.IndexOf(score, score.Max());
        UcrRecipe recipe = recipes[chosen];
        string why = FixedRecipe is null ? string.Create(CultureInfo.InvariantCulture, $"mean train CV {score[chosen]:F3}") : "fixed by --recipe";
        Console.WriteLine($"  family recipe ({why}): {recipe.Name}; MMA rows: delay-embedding points strided to ≤ 100");
        if (SelectInvariants is { } candidates)
        {
            SelectInvariant(sets, split, dtw, recipe, candidates);
            return;
        }

        Console.WriteLine();
        Console.WriteLine($"{"dataset",-18} {"invariant",-9} {"features",8} {"classifier",-10} {"train CV",8} {"test acc",8} {"1-NN DTW",8} {"≥ DTW",5} {"featurize s",11} {"ms/series",10}");
        foreach (string s in sets)
        {
            (float[][] tr, string[] trY, float[][] te, string[] teY) = split[s];
            foreach (string inv in invariants)
            {
                var sw = Stopwatch.StartNew();
                (float[][] a, float[][] b) = RecipeFeatures(inv, recipe, tr, trY, te);

                double seconds = sw.Elapsed.TotalSeconds;
                (string clf, double cv) = Select(a, trY, 5);
                double acc = Accuracy(Classifiers.FitPredict(clf, a, trY, b), teY);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s,-18} {inv,-9} {a[0].Length,8} {clf,-10} {cv,8:F3} {acc,8:F3} {dtw[s],8:F3} {(acc >= dtw[s] ? "yes" : "no"),5} {seconds,11:F1} {1000 * seconds / (tr.Length + te.Length),10:F2}"));
            }
        }
    }

    /// <summary>Gets or sets the invariants among which each UCR set's invariant is chosen by training CV (<c>--select</c>); null = the plain table.</summary>
    public static string[]? SelectInvariants { get; set; }

    /// <summary>
    /// The per-set invariant selection (<c>--select hilbert,euler,mma,rank</c>): for each set, every candidate invariant
    /// of the family recipe is featurised on the training split only (grids fitted there) and scored by the best 5-fold
    /// CV accuracy over <see cref="Classifiers.Names"/>; the candidate with the highest score is chosen, a tie keeping
    /// the one listed first (the family default, Hilbert, leads the default list); only the chosen invariant then
    /// featurises the test split and is scored once. Test accuracy plays no part in any choice.
    /// </summary>
    private static void SelectInvariant(string[] sets, Dictionary<string, (float[][] Train, string[] TrainY, float[][] Test, string[] TestY)> split, Dictionary<string, double> dtw, UcrRecipe recipe, string[] candidates)
    {
        Console.WriteLine();
        Console.WriteLine($"Per-set invariant selection among {string.Join(", ", candidates)} by 5-fold CV on the training split (ties keep the earlier candidate); test split featurised for the chosen one only.");
        Console.WriteLine($"{"dataset",-18} {"candidate",-9} {"features",8} {"classifier",-10} {"train CV",8} {"featurize s",11}");
        var summary = new List<string>();
        int wins = 0;
        foreach (string s in sets)
        {
            (float[][] tr, string[] trY, float[][] te, string[] teY) = split[s];
            (string Invariant, RecipeFit Fit, string Classifier, double Cv, double Seconds)? chosen = null;
            foreach (string inv in candidates)
            {
                var sw = Stopwatch.StartNew();
                RecipeFit fit = FitRecipe(inv, recipe, tr);
                double seconds = sw.Elapsed.TotalSeconds;
                (string clf, double cv) = Select(fit.Train, trY, 5);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s,-18} {inv,-9} {fit.Train[0].Length,8} {clf,-10} {cv,8:F3} {seconds,11:F1}"));
                if (chosen is null || cv > chosen.Value.Cv)
                {
                    chosen = (inv, fit, clf, cv, sw.Elapsed.TotalSeconds);
                }
            }

            // The chosen candidate's fitted transformers, training features and classifier choice are reused: only the
            // test split is featurised here.
            var watch = Stopwatch.StartNew();
            (string best, RecipeFit chosenFit, string chosenClf, double chosenCv, double selectionSeconds) = chosen!.Value;
            float[][] x = chosenFit.Train;
            double acc = Accuracy(Classifiers.FitPredict(chosenClf, x, trY, chosenFit.Apply(te)), teY);
            wins += acc >= dtw[s] ? 1 : 0;
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{s,-18} {best,-9} {x[0].Length,8} {chosenClf,-10} {chosenCv,8:F3} {acc,8:F3} {dtw[s],8:F3} {(acc >= dtw[s] ? "yes" : "no"),5} {selectionSeconds + watch.Elapsed.TotalSeconds,11:F1}");
            Console.WriteLine($"  chosen: {line}");
            summary.Add(line);
        }

        Console.WriteLine();
        Console.WriteLine($"{"dataset",-18} {"chosen",-9} {"features",8} {"classifier",-10} {"train CV",8} {"test acc",8} {"1-NN DTW",8} {"≥ DTW",5} {"featurize s",11}");
        summary.ForEach(Console.WriteLine);
        Console.WriteLine($"≥ 1-NN DTW on {wins} of {sets.Length} sets");
    }

    /// <summary>The family recipe's features of one invariant: the delay-embedding part and the sublevel × time parts, concatenated.</summary>
    private static (float[][] Train, float[][] Test) RecipeFeatures(string inv, UcrRecipe recipe, float[][] tr, string[] trY, float[][] te)
    {
        RecipeFit fit = FitRecipe(inv, recipe, tr);
        return (fit.Train, fit.Apply(te));
    }

    /// <summary>
    /// The family recipe's transformers of one invariant fitted on the training series (the delay-embedding part, then
    /// the sublevel × time parts) and the training features; <see cref="RecipeFit.Apply"/> featurises other series the
    /// same way, so a selection pass can keep its fit and featurise the test split later.
    /// </summary>
    private static RecipeFit FitRecipe(string inv, UcrRecipe recipe, float[][] tr)
    {
        List<TopologyTransformer> parts = recipe.HasDelay ? [SeriesFit(inv, tr, recipe.DelayFor(tr[0].Length))] : [];
        parts.AddRange(SublevelFits(inv, recipe, tr));
        var fit = new RecipeFit(parts, []);
        return fit with { Train = fit.Apply(tr) };
    }

    /// <summary>Fitted parts of a recipe and the training features they give.</summary>
    private sealed record RecipeFit(IReadOnlyList<TopologyTransformer> Parts, float[][] Train)
    {
        /// <summary>Each part's features of <paramref name="x"/>, concatenated in part order (no rows: none).</summary>
        public float[][] Apply(float[][] x) => Parts.Aggregate((float[][])[.. x.Select(_ => Array.Empty<float>())], (a, t) => Concat(a, x.Length == 0 ? [] : t.FeaturizeMany(Rows(x))));
    }

    private static List<TopologySample> Rows(float[][] x) => [.. x.Select(v => new TopologySample(v, 0, string.Empty))];

    private static float[] ZNormalise(float[] s)
    {
        double mean = s.Average();
        double sd = Math.Sqrt(s.Select(v => (v - mean) * (v - mean)).Average());
        return sd > 1e-8 ? [.. s.Select(v => (float)((v - mean) / sd))] : [.. s.Select(v => (float)(v - mean))];
    }

    /// <summary>Delay-embedding function-Rips features (rips-dtm preset, enclosing radius) fitted on the training series.</summary>
    private static (float[][] Train, float[][] Test) SeriesFeatures(string invariant, float[][] train, string[] trainY, float[][] test, int delay, out int length)
    {
        TopologyTransformer t = SeriesFit(invariant, train, delay);
        length = t.OutputLength;
        return (t.FeaturizeMany(Rows(train)), test.Length == 0 ? [] : t.FeaturizeMany(Rows(test)));
    }

    /// <summary>The transformer of <see cref="SeriesFeatures"/>, fitted on the training series.</summary>
    private static TopologyTransformer SeriesFit(string invariant, float[][] train, int delay)
    {
        int points = train[0].Length - (2 * delay);
        int skip = invariant == "mma" ? Math.Max(1, (points + 99) / 100) : 1;
        return Fitted(invariant, new TimeSeriesInput(3, delay, skip), Rows(train));
    }

    /// <summary>
    /// The sublevel × time parts of a recipe through the library (<see cref="TimeSeriesInput.Filtration"/>), grids fitted
    /// on the training series, one block per part and bandwidth; MMA rows use Hilbert measures here.
    /// </summary>
    private static (float[][] Train, float[][] Test) SublevelFeatures(string invariant, UcrRecipe recipe, float[][] train, float[][] test)
    {
        var fit = new RecipeFit(SublevelFits(invariant, recipe, train), []);
        return (fit.Apply(train), fit.Apply(test));
    }

    /// <summary>The transformers of <see cref="SublevelFeatures"/>, one per part and bandwidth, fitted on the training series.</summary>
    private static List<TopologyTransformer> SublevelFits(string invariant, UcrRecipe recipe, float[][] train)
    {
        string inv = invariant == "mma" ? "hilbert" : invariant;
        return [.. recipe.Parts().SelectMany(part => recipe.Bandwidths.Select(bandwidth =>
            Fitted(inv, new TimeSeriesInput(Filtration: part), Rows(train), bandwidth: bandwidth, grid: recipe.Fine && inv != "rank" ? 40 : null)))];
    }

    // ---------------------------------------------------------------- shared featurisation

    /// <summary>Features of one invariant through the public transformers (grids/box fitted on <paramref name="fit"/>).</summary>
    private static (float[][] Fit, float[][] Other) Featurize(string invariant, TopologyInput input, List<TopologySample> fit, List<TopologySample> other, out int length, BifiltrationPreset? preset = null, float bandwidth = 0.1f, int? grid = null)
    {
        TopologyTransformer t = Fitted(invariant, input, fit, preset, bandwidth, grid);
        length = t.OutputLength;
        return (t.FeaturizeMany(fit), other.Count == 0 ? [] : t.FeaturizeMany(other));
    }

    /// <summary>The transformer of <see cref="Featurize"/>, fitted on <paramref name="fit"/>.</summary>
    private static TopologyTransformer Fitted(string invariant, TopologyInput input, List<TopologySample> fit, BifiltrationPreset? preset = null, float bandwidth = 0.1f, int? grid = null)
    {
        preset ??= BifiltrationPreset.RipsDtm;
        if (invariant == "mma")
        {
            var mma = new MmaOptions
            {
                OutputColumnName = "Features",
                InputColumnName = "Values",
                Input = input,
                Codensity = preset.Codensity,
                CodensityParameter = preset.CodensityParameter,
                Precision = 0.05f,
                Resolution = 10,
                Bandwidth = 0.05f,
            };
            return MmaTransformer.Fit(mma, fit);
        }

        bool rank = invariant == "rank";
        var options = new SignedMeasureOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Values",
            Input = input,
            Codensity = preset.Codensity,
            CodensityParameter = preset.CodensityParameter,
            Invariant = invariant switch { "euler" => SignedMeasureInvariant.Euler, "rank" => SignedMeasureInvariant.Rank, _ => SignedMeasureInvariant.Hilbert },
            GridResolution = grid ?? (rank ? 12 : 20),
            OutputResolution = grid is { } g ? SignedMeasureOptions.Defaults.OutputResolutionFor(g) : rank ? 6 : 10,
            Bandwidth = bandwidth,
        };
        return SignedMeasureTransformer.Fit(options, fit);
    }

    private static float[][] Concat(float[][] a, float[][] b) => [.. a.Zip(b, (x, y) => (float[])[.. x, .. y])];

    private static double Accuracy(string[] predicted, string[] truth) => (double)predicted.Where((p, i) => p == truth[i]).Count() / truth.Length;

    private static (string Classifier, double Cv) Select(float[][] x, string[] y, int folds)
    {
        string best = Classifiers.Names[0];
        double bestCv = -1;
        foreach (string c in Classifiers.Names)
        {
            double cv = Classifiers.CrossValidate(c, x, y, folds);
            if (cv > bestCv)
            {
                (best, bestCv) = (c, cv);
            }
        }

        return (best, bestCv);
    }

    // ---------------------------------------------------------------- 10-fold CV families

    /// <summary>
    /// Nested 10-fold CV over precomputed feature sets: inside each outer fold, the feature set with the best 3-fold CV
    /// accuracy of the first candidate of <see cref="Classifiers.Names"/> on the fold's training rows, then that
    /// candidate or another one (whichever has the better 3-fold CV there), is fitted and scored on the held-out fold.
    /// </summary>
    private static (double Mean, double Sd, string Chosen) NestedCv(IReadOnlyList<(string Name, float[][] X)> sets, string[] y)
    {
        int n = y.Length;
        int[] order = [.. Enumerable.Range(0, n).OrderBy(i => (uint)i * 2654435761u)];
        var acc = new List<double>();
        var chosen = new Dictionary<string, int>();
        for (int f = 0; f < 10; f++)
        {
            int[] testIdx = [.. order.Where((_, k) => k % 10 == f)];
            int[] trainIdx = [.. order.Where((_, k) => k % 10 != f)];
            string[] trY = [.. trainIdx.Select(i => y[i])];
            (string Name, float[][] X) bestSet = sets[0];
            string bestClf = Classifiers.Names[0];
            double bestCv = -1;
            foreach ((string name, float[][] x) in sets)
            {
                double cv = Classifiers.CrossValidate(Classifiers.Names[0], [.. trainIdx.Select(i => x[i])], trY, 3);
                if (cv > bestCv)
                {
                    (bestSet, bestCv) = ((name, x), cv);
                }
            }

            // Then the classifier on that feature set (another candidate only where it beats logistic regression).
            foreach (string c in Classifiers.Names.Skip(1))
            {
                double cv = Classifiers.CrossValidate(c, [.. trainIdx.Select(i => bestSet.X[i])], trY, 3);
                if (cv > bestCv)
                {
                    (bestClf, bestCv) = (c, cv);
                }
            }

            string key = $"{bestSet.Name}/{bestClf}";
            chosen[key] = chosen.GetValueOrDefault(key) + 1;
            string[] predicted = Classifiers.FitPredict(bestClf, [.. trainIdx.Select(i => bestSet.X[i])], trY, [.. testIdx.Select(i => bestSet.X[i])]);
            acc.Add(Accuracy(predicted, [.. testIdx.Select(i => y[i])]));
        }

        double mean = acc.Average();
        return (mean, Math.Sqrt(acc.Select(a => (a - mean) * (a - mean)).Average()), string.Join(", ", chosen.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key}×{kv.Value}")));
    }

    private static void Tu(string folder, string[] invariants)
    {
        TopologyDataset data = TopologyDataset.FromTu(TuDatasetReader.Read(folder));
        List<TopologySample> rows = [.. data.Rows];
        string[] y = [.. rows.Select(r => r.Label)];
        string majority = y.GroupBy(l => l).MaxBy(g => g.Count())!.Key;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(folder)}: {rows.Count} graphs, majority class rate {y.Count(l => l == majority) / (double)y.Length:F3}; nested 10-fold CV (preset by inner 3-fold CV of {Classifiers.Names[0]}, then it or {string.Join('/', Classifiers.Names.Skip(1))} by inner 3-fold CV)"));
        Console.WriteLine($"{"dataset",-18} {"invariant",-9} {"accuracy",8} {"± sd",6} {"featurize s",11}  chosen (preset/classifier × folds)");
        BifiltrationPreset[] presets = [.. BifiltrationPreset.All.Where(p => p.ForGraphs && !p.NeedsNodeLabels)];
        foreach (string inv in invariants)
        {
            var sw = Stopwatch.StartNew();
            var sets = new List<(string, float[][])>();
            foreach (BifiltrationPreset p in presets)
            {
                TopologyInput input = new GraphInput("Nodes", p.First, p.Second);
                sets.Add((p.Name, Featurize(inv, input, rows, [], out _, p).Fit));
            }

            double seconds = sw.Elapsed.TotalSeconds;
            (double mean, double sd, string chosen) = NestedCv(sets, y);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(folder),-18} {inv,-9} {mean,8:F3} {sd,6:F3} {seconds,11:F1}  {chosen}"));
        }
    }

    /// <summary>
    /// The COX2 node-label lever: HKS × Ricci against the library's electronegativity presets (atomic numbers →
    /// Pauling χ, <see cref="BifiltrationPreset.GraphHksElectronegativity"/>, <see cref="BifiltrationPreset.GraphElectronegativityDegree"/>)
    /// and the concatenation HKS × Ricci ⊕ HKS × χ, Hilbert and Euler, the same nested CV.
    /// </summary>
    private static void TuLabels(string folder)
    {
        TopologyDataset data = TopologyDataset.FromTu(TuDatasetReader.Read(folder));
        List<TopologySample> rows = [.. data.Rows];
        string[] y = [.. rows.Select(r => r.Label)];
        Console.WriteLine();
        Console.WriteLine($"{Path.GetFileName(folder)} with node labels (atomic numbers → Pauling electronegativity χ): nested 10-fold CV over the feature sets listed");
        Console.WriteLine($"{"dataset",-18} {"invariant",-9} {"accuracy",8} {"± sd",6} {"featurize s",11}  chosen (feature set/classifier × folds)");
        foreach (string inv in new[] { "hilbert", "euler" })
        {
            var sw = Stopwatch.StartNew();
            List<(string Name, float[][] X)> labelled;
            try
            {
                labelled = [.. new[] { BifiltrationPreset.GraphHksElectronegativity, BifiltrationPreset.GraphElectronegativityDegree }
                    .Select(p => (p.Name, Featurize(inv, p.CreateOptions(data).Input, rows, [], out _, p).Fit))];
            }
            catch (DataFormatException e)
            {
                Console.WriteLine($"{Path.GetFileName(folder)}: node labels are not atomic numbers ({e.Message}); skipped");
                return;
            }

            float[][] ricci = Featurize(inv, new GraphInput("Nodes", BifiltrationPreset.GraphHksRicci.First, BifiltrationPreset.GraphHksRicci.Second), rows, [], out _, BifiltrationPreset.GraphHksRicci).Fit;
            var sets = new List<(string, float[][])> { ("graph-hks-ricci", ricci) };
            sets.AddRange(labelled);
            sets.Add(("hks-ricci+hks-electronegativity", Concat(ricci, labelled[0].X)));
            double seconds = sw.Elapsed.TotalSeconds;
            (double mean, double sd, string chosen) = NestedCv(sets, y);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"COX2 + labels",-18} {inv,-9} {mean,8:F3} {sd,6:F3} {seconds,11:F1}  {chosen}"));
        }
    }

    private static void Activities(string path, string[] invariants)
    {
        List<LabelledVector> clouds = PointCloudReader.ReadLabelledClouds(path, TopologyDataset.Defaults.PointsPerCloud, out int dim);
        List<TopologySample> rows = [.. clouds.Select(c => new TopologySample(c.Values, 0, c.Label))];
        string[] y = [.. rows.Select(r => r.Label)];
        Console.WriteLine();
        Console.WriteLine($"activities: {rows.Count} clouds of {TopologyDataset.Defaults.PointsPerCloud} points in R^{dim}; rips-dtm, enclosing radius; nested 10-fold CV (classifier by inner 3-fold CV)");
        Console.WriteLine($"{"dataset",-18} {"invariant",-9} {"accuracy",8} {"± sd",6} {"featurize s",11}  chosen");
        foreach (string inv in invariants)
        {
            var sw = Stopwatch.StartNew();
            float[][] x = Featurize(inv, new PointCloudInput(dim), rows, [], out _).Fit;
            double seconds = sw.Elapsed.TotalSeconds;
            (double mean, double sd, string chosen) = NestedCv([("rips-dtm", x)], y);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"activities",-18} {inv,-9} {mean,8:F3} {sd,6:F3} {seconds,11:F1}  {chosen}"));
        }
    }
}
