using System.Globalization;
using System.Text;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Small valid inputs that the fuzz classes mutate (also used by benchmarks/Fuzz).</summary>
internal static class FuzzInputs
{
    public static byte[] SmilesCsv() => Encoding.UTF8.GetBytes(
        "smiles,label\nCCO,1\nc1ccccc1,0\nCC(=O)O,1\nC1CC1N,0\n[NH4+],1\nO=C=O,0\nCC#N,1\nClC(Cl)Cl,0\n");

    public static byte[] PointCsv()
    {
        var sb = new StringBuilder();
        var rng = new Random(7);
        for (int i = 0; i < 24; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{rng.NextDouble():F3},{rng.NextDouble():F3},{i / 8}\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static byte[] UcrTsv()
    {
        var sb = new StringBuilder();
        var rng = new Random(9);
        for (int i = 0; i < 4; i++)
        {
            sb.Append(i % 2);
            for (int t = 0; t < 24; t++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\t{Math.Sin(t / 3.0) + rng.NextDouble():F3}");
            }

            sb.Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>A TU folder (DS_A, DS_graph_indicator, DS_graph_labels, DS_node_labels) as file name → bytes.</summary>
    public static Dictionary<string, byte[]> TuFiles() => new()
    {
        ["DS_A.txt"] = Encoding.UTF8.GetBytes("1, 2\n2, 1\n2, 3\n3, 2\n4, 5\n5, 4\n5, 6\n6, 5\n6, 4\n4, 6\n"),
        ["DS_graph_indicator.txt"] = Encoding.UTF8.GetBytes("1\n1\n1\n2\n2\n2\n"),
        ["DS_graph_labels.txt"] = Encoding.UTF8.GetBytes("0\n1\n"),
        ["DS_node_labels.txt"] = Encoding.UTF8.GetBytes("0\n1\n0\n2\n2\n1\n"),
    };
}
