using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Numerics.Tests.Topology;

/// <summary>Reads the GUDHI golden files under tests/fixtures/topology (found by walking up from the test binaries).</summary>
internal static class TopologyFixtures
{
    public static string Directory
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null)
            {
                string candidate = Path.Combine(dir, "tests", "fixtures", "topology");
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }

                dir = Path.GetDirectoryName(dir);
            }

            throw new DirectoryNotFoundException("tests/fixtures/topology not found above " + AppContext.BaseDirectory);
        }
    }

    public static (float[] Points, int Dimension) ReadPoints(string name)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Directory, name + ".points.txt"));
        var values = new List<float>();
        int dim = 0;
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            dim = parts.Length;
            values.AddRange(parts.Select(p => float.Parse(p, CultureInfo.InvariantCulture)));
        }

        return ([.. values], dim);
    }

    public static (float Threshold, int MaxDimension, List<PersistencePair> Pairs) ReadDiagram(string name)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Directory, name + ".gudhi.txt"));
        string[] header = lines[0].Split(' ');
        float threshold = float.Parse(header[2], CultureInfo.InvariantCulture);
        int maxDim = int.Parse(header[4], CultureInfo.InvariantCulture);
        var pairs = new List<PersistencePair>();
        foreach (string line in lines.Skip(1))
        {
            string[] p = line.Split(' ');
            float death = p[2] == "inf" ? float.PositiveInfinity : float.Parse(p[2], CultureInfo.InvariantCulture);
            pairs.Add(new PersistencePair(int.Parse(p[0], CultureInfo.InvariantCulture), float.Parse(p[1], CultureInfo.InvariantCulture), death));
        }

        return (threshold, maxDim, pairs);
    }
}
