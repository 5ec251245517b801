using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Evaluation;

/// <summary>
/// Loads an ONNX file through ML.NET's <c>ApplyOnnxModel</c> (the route .NET apps deploy with), runs one row and returns the
/// output, so a report can show the artifact works in ML.NET and agrees with ORT.
/// </summary>
internal static class MlNetLoadCheck
{
    private const int MaxLongInputs = 4;
    private const int MaxFloatInputs = 2;

    /// <summary>Runs the first row of <paramref name="sample"/> through ML.NET and returns <paramref name="output"/>'s values.</summary>
    /// <param name="modelPath">The ONNX file.</param>
    /// <param name="sample">Inputs (only row 0 is used; int64 and float inputs are supported).</param>
    /// <param name="output">The output to read.</param>
    /// <exception cref="InvalidOperationException">ML.NET could not load or run the model; the message says why.</exception>
    public static float[] Run(string modelPath, TensorBatch sample, string output)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentNullException.ThrowIfNull(sample);
        var row = new FeedRow();
        SchemaDefinition schema = SchemaDefinition.Create(typeof(FeedRow));
        var used = new HashSet<string>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        int longs = 0, floats = 0;
        foreach (string name in sample.Names)
        {
            Array tensor = sample.DataOf(name);
            long[] shape = sample.ShapeOf(name);
            int perRow = (int)(tensor.Length / shape[0]);
            string member;
            switch (tensor)
            {
                case long[] l when longs < MaxLongInputs:
                    member = "L" + longs++;
                    typeof(FeedRow).GetField(member)!.SetValue(row, l.AsSpan(0, perRow).ToArray());
                    schema[member].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, perRow);
                    break;
                case float[] f when floats < MaxFloatInputs:
                    member = "F" + floats++;
                    typeof(FeedRow).GetField(member)!.SetValue(row, f.AsSpan(0, perRow).ToArray());
                    schema[member].ColumnType = new VectorDataViewType(NumberDataViewType.Single, perRow);
                    break;
                default:
                    throw new NotSupportedException($"Input '{name}' ({tensor.GetType().GetElementType()?.Name}) is beyond what the ML.NET check feeds (4 int64 + 2 float inputs).");
            }

            schema[member].ColumnName = name;
            used.Add(member);
            shapes[name] = [1, .. shape.Skip(1).Select(d => (int)d)];
        }

        foreach (SchemaDefinition.Column c in schema.ToList())
        {
            if (!used.Contains(c.MemberName))
            {
                schema.Remove(c);
            }
        }

        var ml = new MLContext(seed: 0);
        IDataView data = ml.Data.LoadFromEnumerable([row], schema);
        try
        {
            var estimator = ml.Transforms.ApplyOnnxModel([output], [.. sample.Names], modelPath, shapes, gpuDeviceId: null, fallbackToCpu: false, recursionLimit: 100);
            ITransformer transformer = estimator.Fit(data);
            IDataView result = transformer.Transform(data);
            using DataViewRowCursor cursor = result.GetRowCursor([result.Schema[output]]);
            ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(result.Schema[output]);
            VBuffer<float> value = default;
            if (!cursor.MoveNext())
            {
                throw new InvalidOperationException("ML.NET returned no rows.");
            }

            getter(ref value);
            float[] dense = new float[value.Length];
            value.CopyTo(dense);
            if (transformer is IDisposable d)
            {
                d.Dispose();
            }

            return dense;
        }
        catch (Exception e) when (e is not InvalidOperationException and not NotSupportedException)
        {
            throw new InvalidOperationException($"ML.NET ApplyOnnxModel could not run '{modelPath}': {e.Message}", e);
        }
    }

    /// <summary>ML.NET needs a CLR type for rows; columns are renamed and sized through the schema definition.</summary>
    internal sealed class FeedRow
    {
#pragma warning disable CA1051, SA1401 // ML.NET binds public fields
        public long[]? L0;
        public long[]? L1;
        public long[]? L2;
        public long[]? L3;
        public float[]? F0;
        public float[]? F1;
#pragma warning restore CA1051, SA1401
    }
}
