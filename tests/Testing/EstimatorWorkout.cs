using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Transforms.MLNet;
using Xunit;

namespace Pipelines.Testing;

/// <summary>
/// The workout every estimator passes, after ML.NET's <c>TestEstimatorCore</c> (test/Microsoft.ML.TestFramework/
/// DataPipe/TestDataPipeBase.cs): (a) the estimator's schema shape agrees with the fitted transformer's schema;
/// (b) invalid input fails in <c>GetOutputSchema</c> and in <c>Fit</c> with a message naming the column;
/// (c) save → load (ML.NET's <c>Model.Save</c>/<c>Load</c> in a fresh context, or the transformer's own format)
/// gives the same schema and the same values; (d) <c>PredictionEngine</c> over the fitted and the loaded transformer
/// gives, row by row, the values <c>Transform</c> gives. <see cref="CheckMlNetConventions{TRow}"/> runs (c) and (d);
/// <see cref="CheckCoverage"/> fails when a public estimator or transformer of a library has no test that does.
/// </summary>
public static class EstimatorWorkout
{
    /// <summary>The schema shape of a concrete schema (ML.NET's internal <c>SchemaShape.Create</c>).</summary>
    public static SchemaShape Shape(DataViewSchema schema) => SchemaShapes.FromSchema(schema);

    /// <summary>
    /// (a) Fits <paramref name="estimator"/> on <paramref name="data"/> and checks that its <c>GetOutputSchema</c> (no data)
    /// agrees with the fitted transformer's <c>GetOutputSchema</c> and with the schema of <c>Transform</c>: the same
    /// columns in the same order, with the same item types, vector kinds (known size or not) and key-ness.
    /// </summary>
    /// <returns>The fitted transformer.</returns>
    public static TTransformer CheckSchemas<TTransformer>(IEstimator<TTransformer> estimator, IDataView data)
        where TTransformer : ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(data);
        SchemaShape promised = estimator.GetOutputSchema(Shape(data.Schema));
        TTransformer fitted = estimator.Fit(data);
        DataViewSchema actual = fitted.GetOutputSchema(data.Schema);
        AssertSameShape(promised, Shape(actual));
        AssertSameSchema(actual, fitted.Transform(data).Schema);
        return fitted;
    }

    /// <summary>
    /// (b) <paramref name="invalid"/> (a missing or mistyped <paramref name="column"/>) fails in the estimator's
    /// <c>GetOutputSchema</c> and in <c>Fit</c>, each with an exception whose message names <paramref name="column"/>.
    /// </summary>
    public static void CheckInvalidInput<TTransformer>(IEstimator<TTransformer> estimator, IDataView invalid, string column)
        where TTransformer : ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(invalid);
        AssertNamesColumn(Assert.ThrowsAny<Exception>(() => estimator.GetOutputSchema(Shape(invalid.Schema))), column, "GetOutputSchema");
        AssertNamesColumn(Assert.ThrowsAny<Exception>(() => estimator.Fit(invalid)), column, "Fit");
    }

    /// <summary>(b) for a fitted transformer: <c>GetOutputSchema</c> of an invalid schema fails naming the column.</summary>
    public static void CheckInvalidInput(ITransformer fitted, IDataView invalid, string column)
    {
        ArgumentNullException.ThrowIfNull(fitted);
        ArgumentNullException.ThrowIfNull(invalid);
        AssertNamesColumn(Assert.ThrowsAny<Exception>(() => fitted.GetOutputSchema(invalid.Schema)), column, "the transformer's GetOutputSchema");
    }

    /// <summary>
    /// (c) Saves <paramref name="fitted"/> with <c>mlContext.Model.Save</c> to a file, loads it in a fresh
    /// <see cref="MLContext"/> and checks the recorded input schema (columns of ML.NET's own types: custom column types
    /// are not recorded), the output schema and every value on
    /// <paramref name="data"/> (floats within <paramref name="tolerance"/>, absolute); then disposes the loaded model and
    /// checks that it left no file in the loading context's temporary folder (<c>Model.Load</c> writes each
    /// <c>ApplyOnnxModel</c> step's graph to a file there and deletes it only on <c>Dispose</c>).
    /// </summary>
    public static void CheckModelSaveLoad(ITransformer fitted, IDataView data, double tolerance = 0)
    {
        using var temp = new TempDirectory();
        (SaveLoad(fitted, data, tolerance, temp.Path) as IDisposable)?.Dispose();
        AssertNoFileLeft(temp.Path);
    }

    /// <summary>Save → load in a context whose temporary folder is <paramref name="tempFolder"/>; checks (c); returns the loaded model.</summary>
    private static ITransformer SaveLoad(ITransformer fitted, IDataView data, double tolerance, string tempFolder)
    {
        ArgumentNullException.ThrowIfNull(fitted);
        ArgumentNullException.ThrowIfNull(data);
        using var dir = new TempDirectory();
        string path = dir.File("model.zip");
        new MLContext(seed: 1).Model.Save(fitted, data.Schema, path);
        ITransformer loaded = new MLContext(seed: 2) { TempFilePath = tempFolder }.Model.Load(path, out DataViewSchema inputSchema);
        try
        {
            AssertSameSchema(RecordableColumns(data.Schema), inputSchema);
            AssertSameOutput(fitted.Transform(data), loaded.Transform(data), tolerance);
            return loaded;
        }
        catch
        {
            (loaded as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>A disposed loaded model leaves no file in its context's temporary folder.</summary>
    private static void AssertNoFileLeft(string tempFolder)
    {
        string[] left = Directory.GetFiles(tempFolder);
        Assert.True(left.Length == 0, $"the disposed loaded model left {left.Length} file(s) in its temporary folder: {string.Join(", ", left.Select(Path.GetFileName))}");
    }

    /// <summary>
    /// (c) for transformers with their own format: <paramref name="roundTrip"/> saves and loads <paramref name="fitted"/>;
    /// the loaded transformer gives the same schema and values on <paramref name="data"/>.
    /// </summary>
    public static ITransformer CheckRoundTrip<TTransformer>(TTransformer fitted, IDataView data, Func<TTransformer, ITransformer> roundTrip, double tolerance = 0)
        where TTransformer : ITransformer
    {
        ArgumentNullException.ThrowIfNull(fitted);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(roundTrip);
        ITransformer loaded = roundTrip(fitted);
        AssertSameSchema(fitted.GetOutputSchema(data.Schema), loaded.GetOutputSchema(data.Schema));
        AssertSameOutput(fitted.Transform(data), loaded.Transform(data), tolerance);
        return loaded;
    }

    /// <summary>
    /// (c) and (d): <see cref="CheckModelSaveLoad"/>, then <see cref="CheckPredictionEngine{TRow}"/> over
    /// <paramref name="fitted"/> and over the loaded transformer, which is then disposed and must leave no file in its
    /// temporary folder. <paramref name="data"/> must be readable as <typeparamref name="TRow"/> (e.g. made by
    /// <c>LoadFromEnumerable&lt;TRow&gt;</c>). The prediction engines own the transformers they are created over
    /// (ML.NET's default), so <paramref name="fitted"/> is disposed too when it is <see cref="IDisposable"/>.
    /// </summary>
    public static void CheckMlNetConventions<TRow>(ITransformer fitted, IDataView data, double tolerance = 0)
        where TRow : class, new()
    {
        using var temp = new TempDirectory();
        ITransformer loaded = Phase("save → load", () => SaveLoad(fitted, data, tolerance, temp.Path));
        using (loaded as IDisposable)
        {
            Phase("PredictionEngine over the fitted transformer", () => CheckPredictionEngine<TRow>(fitted, data, tolerance));
            Phase("PredictionEngine over the loaded transformer", () => CheckPredictionEngine<TRow>(loaded, data, tolerance));
        }

        AssertNoFileLeft(temp.Path);
    }

    private static T Phase<T>(string phase, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{phase}: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private static void Phase(string phase, Action check) => Phase(phase, () =>
    {
        check();
        return 0;
    });

    /// <summary>
    /// (d) <c>mlContext.Model.CreatePredictionEngine</c> over <paramref name="fitted"/>, fed the rows of
    /// <paramref name="data"/> one at a time as <typeparamref name="TRow"/>, gives in every column the transformer adds
    /// (visible output columns not among the input's by name and type) the value <c>Transform</c> gives for that row.
    /// </summary>
    public static void CheckPredictionEngine<TRow>(ITransformer fitted, IDataView data, double tolerance = 0)
        where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(fitted);
        ArgumentNullException.ThrowIfNull(data);
        var context = new MLContext(seed: 3);
        List<TRow> rows = context.Data.CreateEnumerable<TRow>(data, reuseRowObject: false).ToList();
        IDataView transformed = fitted.Transform(data);
        var inputColumns = new HashSet<string>(Visible(data.Schema).Select(c => $"{c.Name}: {c.Type}"), StringComparer.Ordinal);
        DataViewSchema.Column[] added = Visible(transformed.Schema).Where(c => !inputColumns.Contains($"{c.Name}: {c.Type}")).ToArray();
        Assert.True(added.Length > 0, $"{fitted.GetType().Name} adds no column to check through PredictionEngine");
        // Every Transform value is read before any engine exists, and the engines are disposed together at the end:
        // disposing a PredictionEngine over a chain with a multi-output ApplyOnnxModel step breaks later engines and
        // Transform calls of that model (an NRE inside InferenceSession.Run; ML.NET 5.0.1, OnnxTransformer) — ML.NET's,
        // not the transformer's under test.
        Dictionary<string, List<object?>> expectedByColumn = added.ToDictionary(c => c.Name, c => Read(transformed, c), StringComparer.Ordinal);
        var engines = new List<IDisposable>();
        try
        {
            foreach (DataViewSchema.Column column in added)
            {
                ComparePredictions<TRow>(context, fitted, rows, column, expectedByColumn[column.Name], engines, tolerance);
            }
        }
        finally
        {
            engines.ForEach(e => e.Dispose());
        }
    }

    private static void ComparePredictions<TRow>(MLContext context, ITransformer fitted, List<TRow> rows, DataViewSchema.Column column, List<object?> expected, List<IDisposable> engines, double tolerance)
        where TRow : class, new()
    {
        List<object?> predicted = (List<object?>)typeof(EstimatorWorkout).GetMethod(nameof(PredictTyped), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(typeof(TRow), ArrayOf(column.Type.RawType))
            .Invoke(null, [context, fitted, rows, column, engines])!;
        Assert.True(expected.Count == predicted.Count, $"column '{column.Name}': {expected.Count} rows vs {predicted.Count}");
        for (int r = 0; r < expected.Count; r++)
        {
            AssertSameValue(expected[r], predicted[r], tolerance, $"PredictionEngine over {fitted.GetType().Name}, column '{column.Name}' row {r}");
        }
    }

    /// <summary>
    /// (c) A failed save through <c>mlContext.Model.SaveAtomically</c> throws and leaves no file; a successful one over
    /// an existing file replaces it whole.
    /// </summary>
    public static void CheckFailedSaveLeavesNoFile(ITransformer failing, ITransformer saveable, IDataView data)
    {
        ArgumentNullException.ThrowIfNull(failing);
        ArgumentNullException.ThrowIfNull(saveable);
        ArgumentNullException.ThrowIfNull(data);
        using var dir = new TempDirectory();
        string path = dir.File("model.zip");
        var context = new MLContext(seed: 1);
        Assert.ThrowsAny<Exception>(() => context.Model.SaveAtomically(failing, data.Schema, path));
        Assert.False(File.Exists(path), $"a failed SaveAtomically left {(File.Exists(path) ? new FileInfo(path).Length : 0)} bytes at {path}");
        Assert.Empty(Directory.GetFiles(dir.Path));
        context.Model.SaveAtomically(saveable, data.Schema, path);
        byte[] saved = File.ReadAllBytes(path);
        Assert.ThrowsAny<Exception>(() => context.Model.SaveAtomically(failing, data.Schema, path));
        Assert.Equal(saved, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    /// <summary>
    /// Every public, non-abstract estimator or transformer type of <paramref name="library"/> is named by a
    /// <see cref="WorkoutCoversAttribute"/> on a test method of <paramref name="tests"/> (a test that runs
    /// <see cref="CheckMlNetConventions{TRow}"/> on it).
    /// </summary>
    /// <returns>Each covered type with the test methods that cover it, for the test log.</returns>
    public static IReadOnlyList<string> CheckCoverage(Assembly library, Assembly tests)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(tests);
        Type[] components = library.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && (typeof(ITransformer).IsAssignableFrom(t)
                || t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEstimator<>))))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToArray();
        var covers = tests.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .SelectMany(m => m.GetCustomAttributes<WorkoutCoversAttribute>().SelectMany(a => a.Types.Select(type => (type, test: $"{m.DeclaringType!.Name}.{m.Name}"))))
            .ToLookup(x => x.type, x => x.test);
        string[] missing = components.Where(t => !covers.Contains(t)).Select(t => t.FullName!).ToArray();
        Assert.True(missing.Length == 0, $"no [WorkoutCovers] test runs CheckMlNetConventions on: {string.Join(", ", missing)}");
        return [.. components.Select(t => $"{t.FullName}: {string.Join(", ", covers[t].Distinct())}")];
    }

    /// <summary>
    /// The columns ML.NET records as a saved model's input schema: those of its own types. A column of a custom type
    /// (e.g. <c>GraphDataViewType</c>) cannot be written, so <c>Model.Load</c>'s input schema lacks it.
    /// </summary>
    private static DataViewSchema RecordableColumns(DataViewSchema schema)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumns(schema.Where(c => c.Type.GetType().Assembly == typeof(DataViewType).Assembly));
        return b.ToSchema();
    }

    /// <summary>Same visible columns in the same order, with equal types.</summary>
    public static void AssertSameSchema(DataViewSchema expected, DataViewSchema actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        string[] e = Visible(expected).Select(c => $"{c.Name}: {c.Type}").ToArray();
        string[] a = Visible(actual).Select(c => $"{c.Name}: {c.Type}").ToArray();
        Assert.Equal(e, a);
        foreach ((DataViewSchema.Column x, DataViewSchema.Column y) in Visible(expected).Zip(Visible(actual)))
        {
            Assert.True(x.Type.Equals(y.Type), $"column '{x.Name}': {x.Type} vs {y.Type}");
        }
    }

    /// <summary>Same schema and the same values in every visible column, row by row (floats within <paramref name="tolerance"/>).</summary>
    public static void AssertSameOutput(IDataView expected, IDataView actual, double tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        AssertSameSchema(expected.Schema, actual.Schema);
        foreach ((DataViewSchema.Column x, DataViewSchema.Column y) in Visible(expected.Schema).Zip(Visible(actual.Schema)))
        {
            List<object?> e = Read(expected, x);
            List<object?> a = Read(actual, y);
            Assert.True(e.Count == a.Count, $"column '{x.Name}': {e.Count} rows vs {a.Count}");
            for (int r = 0; r < e.Count; r++)
            {
                AssertSameValue(e[r], a[r], tolerance, $"column '{x.Name}' row {r}");
            }
        }
    }

    private static void AssertSameShape(SchemaShape promised, SchemaShape actual)
    {
        string[] p = promised.Select(Describe).ToArray();
        string[] a = actual.Select(Describe).ToArray();
        Assert.True(p.SequenceEqual(a), $"estimator shape [{string.Join(", ", p)}]\n  vs transformer [{string.Join(", ", a)}]");
    }

    private static string Describe(SchemaShape.Column c) => $"{c.Name}: {c.Kind} of {c.ItemType}{(c.IsKey ? " (key)" : "")}";

    private static IEnumerable<DataViewSchema.Column> Visible(DataViewSchema schema) => schema.Where(c => !c.IsHidden);

    private static void AssertNamesColumn(Exception e, string column, string where)
    {
        string messages = string.Join(" | ", Chain(e).Select(x => x.Message));
        Assert.True(messages.Contains(column, StringComparison.Ordinal), $"{where} failed without naming column '{column}': {e.GetType().Name}: {messages}");
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    private static void AssertSameValue(object? e, object? a, double tolerance, string where)
    {
        switch (e, a)
        {
            case (float[] x, float[] y):
                Assert.True(x.Length == y.Length, $"{where}: length {x.Length} vs {y.Length}");
                for (int i = 0; i < x.Length; i++)
                {
                    AssertClose(x[i], y[i], tolerance, $"{where} [{i}]");
                }

                break;
            case (double[] x, double[] y):
                Assert.True(x.Length == y.Length, $"{where}: length {x.Length} vs {y.Length}");
                for (int i = 0; i < x.Length; i++)
                {
                    AssertClose(x[i], y[i], tolerance, $"{where} [{i}]");
                }

                break;
            case (float x, float y):
                AssertClose(x, y, tolerance, where);
                break;
            case (double x, double y):
                AssertClose(x, y, tolerance, where);
                break;
            case (Array x, Array y):
                Assert.True(x.Cast<object?>().SequenceEqual(y.Cast<object?>()), $"{where}: values differ");
                break;
            default:
                Assert.True(Equals(e, a), $"{where}: {e} vs {a}");
                break;
        }
    }

    private static void AssertClose(double e, double a, double tolerance, string where) =>
        Assert.True(e.Equals(a) || Math.Abs(e - a) <= tolerance, $"{where}: {e:R} vs {a:R} (tolerance {tolerance})");

    private static List<object?> Read(IDataView view, DataViewSchema.Column column) =>
        (List<object?>)typeof(EstimatorWorkout).GetMethod(nameof(ReadTyped), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType)
            .Invoke(null, [view, column])!;

    /// <summary>A prediction field's type: <c>T[]</c> for a <c>VBuffer&lt;T&gt;</c> column, the raw type otherwise.</summary>
    private static Type ArrayOf(Type raw) =>
        raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>) ? raw.GetGenericArguments()[0].MakeArrayType() : raw;

    private static List<object?> PredictTyped<TRow, TValue>(MLContext context, ITransformer fitted, List<TRow> rows, DataViewSchema.Column column, List<IDisposable> engines)
        where TRow : class, new()
    {
        SchemaDefinition output = SchemaDefinition.Create(typeof(Prediction<TValue>));
        output[0].ColumnName = column.Name;
        output[0].ColumnType = column.Type;
        PredictionEngine<TRow, Prediction<TValue>> engine = context.Model.CreatePredictionEngine<TRow, Prediction<TValue>>(fitted, ignoreMissingColumns: true, outputSchemaDefinition: output);
        engines.Add(engine);
        var values = new List<object?>();
        foreach (TRow row in rows)
        {
            TValue value = engine.Predict(row).Value;
            values.Add(value switch
            {
                ReadOnlyMemory<char>[] texts => texts.Select(t => t.ToString()).ToArray(),
                Array a => a.Clone(),
                ReadOnlyMemory<char> m => m.ToString(),
                _ => value,
            });
        }

        return values;
    }

    private static List<object?> ReadTyped<T>(IDataView view, DataViewSchema.Column column)
    {
        var values = new List<object?>();
        using DataViewRowCursor cursor = view.GetRowCursor([column]);
        ValueGetter<T> get = cursor.GetGetter<T>(column);
        T value = default!;
        while (cursor.MoveNext())
        {
            get(ref value);
            values.Add(Snapshot(value));
        }

        return values;
    }

    /// <summary>The output row of <see cref="CheckPredictionEngine{TRow}"/>: one column, renamed by a schema definition.</summary>
    /// <typeparam name="TValue">The column's raw type (<c>float[]</c> for float vectors).</typeparam>
    public sealed class Prediction<TValue>
    {
        /// <summary>Gets or sets the value.</summary>
        public TValue Value { get; set; } = default!;
    }

    /// <summary>A copy that later rows cannot overwrite (getters reuse buffers); text as strings.</summary>
    private static object? Snapshot<T>(T value) => value switch
    {
        VBuffer<float> v => v.DenseValues().ToArray(),
        VBuffer<double> v => v.DenseValues().ToArray(),
        VBuffer<int> v => v.DenseValues().ToArray(),
        VBuffer<long> v => v.DenseValues().ToArray(),
        VBuffer<uint> v => v.DenseValues().ToArray(),
        VBuffer<bool> v => v.DenseValues().ToArray(),
        VBuffer<ReadOnlyMemory<char>> v => v.DenseValues().Select(m => m.ToString()).ToArray(),
        ReadOnlyMemory<char> m => m.ToString(),
        _ => value,
    };
}
