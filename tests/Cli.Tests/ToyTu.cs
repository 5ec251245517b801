namespace Pipelines.Cli.Tests;

/// <summary>A 12-graph TU data set: even ids are triangles (class 1), odd ids are 3-paths (class 0).</summary>
internal static class ToyTu
{
    /// <summary>Writes the data set into <paramref name="folder"/> (named TOY inside) and returns the folder.</summary>
    public static string Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var a = new List<string>();
        var ind = new List<string>();
        var labels = new List<string>();
        int node = 1;
        for (int g = 1; g <= 12; g++)
        {
            ind.AddRange(["" + g, "" + g, "" + g]);
            a.AddRange([$"{node}, {node + 1}", $"{node + 1}, {node + 2}"]);
            if (g % 2 == 0)
            {
                a.Add($"{node}, {node + 2}");
            }

            labels.Add(g % 2 == 0 ? "1" : "0");
            node += 3;
        }

        File.WriteAllLines(Path.Combine(folder, "TOY_A.txt"), a);
        File.WriteAllLines(Path.Combine(folder, "TOY_graph_indicator.txt"), ind);
        File.WriteAllLines(Path.Combine(folder, "TOY_graph_labels.txt"), labels);
        return folder;
    }
}
