using System.Globalization;
using System.Text;
using Pipelines.Cli.Infrastructure;
using Pipelines.Onnx;
using Pipelines.Transforms.Topology;

namespace Pipelines.Cli.Commands;

/// <summary>
/// The one feature CSV the topology commands write (<c>topo vectorize</c>, its MMA route, <c>topo represent</c>): a key
/// column (<c>label</c> or <c>file</c>), then <c>f0 … f{width−1}</c>, values round-trippable, written atomically.
/// </summary>
internal static class FeatureCsv
{
    public static void Write(string path, string keyHeader, IReadOnlyList<string> keys, IReadOnlyList<float[]> features, int width)
    {
        var sb = new StringBuilder(keyHeader);
        for (int k = 0; k < width; k++)
        {
            sb.Append(CultureInfo.InvariantCulture, $",f{k}");
        }

        sb.Append('\n');
        for (int i = 0; i < keys.Count; i++)
        {
            sb.Append(keys[i]);
            foreach (float x in features[i])
            {
                sb.Append(',').Append(x.ToString("R", CultureInfo.InvariantCulture));
            }

            sb.Append('\n');
        }

        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>"featurized 40/100" on one stderr line.</summary>
    public sealed class Progress(CliConsole console) : IProgress<FeaturizationProgress>
    {
        public void Report(FeaturizationProgress value) => console.StdErr.Write($"\rfeaturized {value.Done}/{value.Total}");
    }
}
